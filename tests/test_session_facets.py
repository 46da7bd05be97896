"""The counts beside each filter checkbox: what ticking an option would show."""

from __future__ import annotations

from backend.models import MeetingPlatform, SessionStatus, SessionType, utcnow
from tests.support.factories import make_org, make_session, make_user

FACETS = """
query($filter: SessionFilter, $search: String) {
  sessionFacets(filter: $filter, search: $search) {
    statuses { value count } types { value count } platforms { value count }
    categories { value count } recommendedFor { value count } mediums { value count }
  }
}
"""


async def facets(graphql, **variables) -> dict[str, dict[str, int]]:
    data = (await graphql.execute(FACETS, variables))["sessionFacets"]
    return {group: {o["value"]: o["count"] for o in options} for group, options in data.items()}


async def sessions_to_count():
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    asha = await make_user(org, "MENTOR", name="Asha Rao")
    ravi = await make_user(org, "MENTOR", name="Ravi Iyer")
    mentee = await make_user(org, "MENTEE")
    await make_session(
        org,
        asha,
        title="Alpha",
        platform=MeetingPlatform.ZOOM,
        medium="English",
        categories=("Communication",),
        recommended_for=("Teachers",),
    )
    await make_session(
        org,
        asha,
        title="Bravo",
        status=SessionStatus.LIVE,
        type=SessionType.PRIVATE,
        platform=MeetingPlatform.GOOGLE_MEET,
        medium="Hindi",
        categories=("Leadership",),
        recommended_for=("School leaders",),
        invited=(mentee,),
    )
    await make_session(
        org,
        ravi,
        title="Charlie",
        status=SessionStatus.COMPLETED,
        medium="English",
        categories=("Communication", "Life skills"),
        recommended_for=("Teachers", "School leaders"),
    )
    await make_session(org, ravi, title="Deleted", medium="Tamil", categories=("STEM",), deleted_at=utcnow())
    return manager


async def test_with_nothing_ticked_each_option_counts_its_sessions(graphql, db):
    manager = await sessions_to_count()
    await graphql.login(manager.email)
    assert await facets(graphql) == {
        "statuses": {"UPCOMING": 1, "LIVE": 1, "COMPLETED": 1},
        "types": {"PUBLIC": 2, "PRIVATE": 1},
        "platforms": {"BIG_BLUE_BUTTON": 1, "GOOGLE_MEET": 1, "ZOOM": 1},
        "categories": {"Communication": 2, "Leadership": 1, "Life skills": 1},
        "recommendedFor": {"School leaders": 2, "Teachers": 2},
        "mediums": {"English": 2, "Hindi": 1},
    }


async def test_fixed_options_stay_listed_at_zero_and_free_text_options_are_alphabetical(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    await make_session(org, mentor, categories=("wellbeing", "Art", "Maths"), medium="English")
    await graphql.login(manager.email)
    data = (await graphql.execute(FACETS))["sessionFacets"]
    assert data["statuses"] == [
        {"value": "UPCOMING", "count": 1},
        {"value": "LIVE", "count": 0},
        {"value": "COMPLETED", "count": 0},
    ]
    assert [o["value"] for o in data["platforms"]] == ["BIG_BLUE_BUTTON", "GOOGLE_MEET", "ZOOM"]
    assert [o["value"] for o in data["categories"]] == ["Art", "Maths", "wellbeing"]


async def test_a_group_counts_under_the_other_groups_filters_but_not_its_own(graphql, db):
    manager = await sessions_to_count()
    await graphql.login(manager.email)
    counts = await facets(graphql, filter={"mediums": ["English"]})
    # Mediums ignore their own tick, so Hindi still says what ticking it would add.
    assert counts["mediums"] == {"English": 2, "Hindi": 1}
    # Every other group counts only the English sessions (Alpha and Charlie).
    assert counts["statuses"] == {"UPCOMING": 1, "LIVE": 0, "COMPLETED": 1}
    assert counts["types"] == {"PUBLIC": 2, "PRIVATE": 0}
    assert counts["platforms"] == {"BIG_BLUE_BUTTON": 1, "GOOGLE_MEET": 0, "ZOOM": 1}
    assert counts["categories"] == {"Communication": 2, "Life skills": 1}
    assert counts["recommendedFor"] == {"School leaders": 1, "Teachers": 2}


async def test_counts_combine_several_ticked_groups(graphql, db):
    manager = await sessions_to_count()
    await graphql.login(manager.email)
    counts = await facets(graphql, filter={"statuses": ["UPCOMING", "LIVE"], "categories": ["Communication"]})
    # Statuses are counted under the category filter only (Alpha, Charlie).
    assert counts["statuses"] == {"UPCOMING": 1, "LIVE": 0, "COMPLETED": 1}
    # Categories are counted under the status filter only (Alpha, Bravo).
    assert counts["categories"] == {"Communication": 1, "Leadership": 1}
    # The rest under both (Alpha only).
    assert counts["types"] == {"PUBLIC": 1, "PRIVATE": 0}
    assert counts["mediums"] == {"English": 1}


async def test_each_label_group_counts_under_the_other_label_group(graphql, db):
    manager = await sessions_to_count()
    await graphql.login(manager.email)
    counts = await facets(graphql, filter={"categories": ["Communication"], "recommendedFor": ["School leaders"]})
    # Categories under "School leaders" only (Bravo, Charlie).
    assert counts["categories"] == {"Communication": 1, "Leadership": 1, "Life skills": 1}
    # Recommended-for values under "Communication" only (Alpha, Charlie).
    assert counts["recommendedFor"] == {"School leaders": 1, "Teachers": 2}
    # Everything else under both (Charlie only).
    assert counts["statuses"] == {"UPCOMING": 0, "LIVE": 0, "COMPLETED": 1}
    assert counts["mediums"] == {"English": 1}


async def test_counts_cost_the_same_few_statements_whatever_is_ticked(graphql, db, sql_statements):
    manager = await sessions_to_count()
    await graphql.login(manager.email)
    sql_statements.clear()
    await facets(graphql)
    nothing_ticked = len(sql_statements)
    sql_statements.clear()
    everything = {
        "statuses": ["UPCOMING", "LIVE"],
        "types": ["PUBLIC"],
        "platforms": ["ZOOM"],
        "categories": ["Communication"],
        "recommendedFor": ["Teachers"],
        "mediums": ["English"],
    }
    await facets(graphql, filter=everything)
    # One statement finds who is asking; one counts the sessions, one their labels: never one per group.
    assert len(sql_statements) == nothing_ticked == 3, sql_statements


async def test_counts_follow_the_search(graphql, db):
    manager = await sessions_to_count()
    await graphql.login(manager.email)
    by_mentor = await facets(graphql, search="ravi")
    assert by_mentor["statuses"] == {"UPCOMING": 0, "LIVE": 0, "COMPLETED": 1}
    assert by_mentor["categories"] == {"Communication": 1, "Life skills": 1}
    by_title = await facets(graphql, search="BRAVO", filter={"types": ["PUBLIC"]})
    assert by_title["types"] == {"PUBLIC": 0, "PRIVATE": 1}
    assert by_title["mediums"] == {}


async def test_counts_match_what_the_list_shows(graphql, db):
    manager = await sessions_to_count()
    await graphql.login(manager.email)
    applied = {"types": ["PUBLIC"], "recommendedFor": ["Teachers"]}
    counts = await facets(graphql, filter=applied)
    for value, count in counts["statuses"].items():
        listed = await graphql.execute(
            "query($f: SessionFilter) { sessions(filter: $f) { totalCount } }", {"f": {**applied, "statuses": [value]}}
        )
        assert listed["sessions"]["totalCount"] == count, value


async def test_a_mentee_counts_only_the_sessions_they_can_see(graphql, db):
    org = await make_org()
    mentee = await make_user(org, "MENTEE")
    other_mentee = await make_user(org, "MENTEE")
    mentor = await make_user(org, "MENTOR")
    await make_session(org, mentor, type=SessionType.PUBLIC)
    await make_session(org, mentor, type=SessionType.PRIVATE, invited=(mentee,))
    await make_session(org, mentor, type=SessionType.PRIVATE, invited=(other_mentee,))
    await graphql.login(mentee.email)
    assert (await facets(graphql))["types"] == {"PUBLIC": 1, "PRIVATE": 1}


async def test_a_malformed_mentor_id_in_the_facet_filter_is_a_clear_error(graphql, db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    await graphql.login(manager.email)
    messages = await graphql.errors('{ sessionFacets(filter: {mentorIds: ["abc"]}) { types { value } } }')
    assert messages == ["mentorIds entry 'abc' is not a valid ID; IDs are positive whole numbers such as 42."]


async def test_signed_out_visitors_get_no_counts(graphql, db):
    messages = await graphql.errors("{ sessionFacets { types { value count } } }")
    assert "You are not signed in" in messages[0]
