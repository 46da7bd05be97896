"""An organisation's lists of values (issue 12): categories, "recommended for" values and mediums.

Values coming in through the API and CSV rows are matched to the lists ignoring case, spaces and
punctuation and stored in the list's spelling; unknown values are refused with the closest known value.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib

from tortoise import Tortoise

from backend import vocabulary
from backend.models import LabelKind, Organization, Session, SessionLabel, VocabularyKind, VocabularyValue
from backend.sessions import rules
from tests.support.bulk_upload import create as create_row
from tests.support.bulk_upload import csv_bytes, messages_by_row, people, upload_and_run
from tests.support.factories import make_org, make_session, make_user
from tests.support.session_requests import (
    CREATE,
    RENAME,
    UPDATE,
    a_desk,
    mutate,
    refusals,
    session_form,
    signed_in_desk,
)

VOCABULARY = "{ vocabulary { categories recommendedFor mediums } }"
ADD = """mutation($kind: VocabularyKind!, $value: String!) {
  addVocabularyValue(kind: $kind, value: $value) {
    vocabulary { categories recommendedFor mediums } errors { field code message } } }"""
REMOVE = """mutation($kind: VocabularyKind!, $value: String!) {
  removeVocabularyValue(kind: $kind, value: $value) {
    vocabulary { categories recommendedFor mediums } errors { field code message } } }"""


async def labels(session_id: int, kind: LabelKind) -> list[str]:
    return list(
        await SessionLabel.filter(session_id=session_id, kind=kind).order_by("position").values_list("value", flat=True)
    )


# --- reading and changing the lists ------------------------------------------------------------------


async def test_everyone_signed_in_reads_the_lists_in_display_order(graphql, db):
    desk = await a_desk()
    await graphql.login(desk.asha.email)  # a mentee
    vocabulary = (await graphql.execute(VOCABULARY))["vocabulary"]
    assert vocabulary == {
        "categories": ["Communication", "Life skills", "Leadership", "Pedagogy", "Career guidance", "Planning"],
        "recommendedFor": ["Teachers", "School leaders", "Head teachers", "Block education officer"],
        "mediums": ["English", "Hindi", "Tamil"],
    }


async def test_a_manager_adds_a_value_at_the_end_and_a_spelling_of_a_known_value_is_refused(graphql, db):
    await signed_in_desk(graphql)
    added = await mutate(graphql, ADD, kind="MEDIUM", value="  Kannada ")
    assert added["errors"] == []
    assert added["vocabulary"]["mediums"] == ["English", "Hindi", "Tamil", "Kannada"]
    again = await mutate(graphql, ADD, kind="CATEGORY", value="life-SKILLS")
    assert again["vocabulary"] is None
    assert [(e["code"], e["message"]) for e in again["errors"]] == [
        (
            "CONFLICT",
            "“Life skills” is already in the list; "
            "values that differ only in case, spaces or punctuation are one value.",
        )
    ]
    blank = await mutate(graphql, ADD, kind="CATEGORY", value=" -- ")
    assert [e["code"] for e in blank["errors"]] == ["REQUIRED"]


async def test_only_managers_change_the_lists(graphql, db):
    desk = await a_desk()
    await graphql.login(desk.mentor.email)
    for document, variables in (
        (ADD, {"kind": "CATEGORY", "value": "Art"}),
        (RENAME, {"kind": "CATEGORY", "from": "Pedagogy", "to": "Teaching"}),
        (REMOVE, {"kind": "CATEGORY", "value": "Pedagogy"}),
    ):
        payload = await mutate(graphql, document, **variables)
        assert [e["code"] for e in payload["errors"]] == ["PERMISSION_DENIED"]
    assert await VocabularyValue.filter(value__in=["Art", "Teaching"]).count() == 0


async def test_renaming_a_value_renames_it_on_every_session_of_the_organisation_only(graphql, db):
    desk = await signed_in_desk(graphql)
    ours = await make_session(desk.org, desk.mentor, categories=("Pedagogy", "Communication"), medium="Hindi")
    other_org = await make_org()
    theirs = await make_session(other_org, await make_user(other_org, "MENTOR"), categories=("Pedagogy",))
    before = (await Session.get(id=ours.id)).updated_at
    renamed = await mutate(graphql, RENAME, kind="CATEGORY", **{"from": "pedagogy", "to": "Teaching practice"})
    assert renamed["errors"] == []
    assert renamed["vocabulary"]["categories"][3] == "Teaching practice"
    assert await labels(ours.id, LabelKind.CATEGORY) == ["Teaching practice", "Communication"]
    assert await labels(theirs.id, LabelKind.CATEGORY) == ["Pedagogy"]
    assert (await Session.get(id=ours.id)).updated_at > before  # an edit planned before the rename is refused
    medium = await mutate(graphql, RENAME, kind="MEDIUM", **{"from": "Hindi", "to": "Hindī"})
    assert medium["errors"] == []
    assert (await Session.get(id=ours.id)).medium == "Hindī"


async def test_renaming_a_value_to_another_value_of_the_list_merges_them(graphql, db):
    desk = await signed_in_desk(graphql)
    both = await make_session(desk.org, desk.mentor, categories=("Leadership", "Communication"))
    one = await make_session(desk.org, desk.mentor, categories=("Leadership",))
    merged = await mutate(graphql, RENAME, kind="CATEGORY", **{"from": "Leadership", "to": "communication"})
    assert merged["errors"] == []
    assert "Leadership" not in merged["vocabulary"]["categories"]
    assert await labels(both.id, LabelKind.CATEGORY) == ["Communication"]
    assert await labels(one.id, LabelKind.CATEGORY) == ["Communication"]
    missing = await mutate(graphql, RENAME, kind="CATEGORY", **{"from": "Astronomy", "to": "Space"})
    assert [e["code"] for e in missing["errors"]] == ["NOT_FOUND"]


async def test_removing_a_value_in_use_is_refused_saying_how_many_sessions_use_it(graphql, db):
    desk = await signed_in_desk(graphql)
    for _ in range(2):
        await make_session(desk.org, desk.mentor, categories=("Leadership",))
    await make_session(desk.org, desk.mentor, medium="Tamil")
    refused = await mutate(graphql, REMOVE, kind="CATEGORY", value="LEADERSHIP")
    assert refused["errors"] == [
        {
            "field": "value",
            "code": "CONFLICT",
            "message": "“Leadership” cannot be removed: 2 sessions use it. "
            "Rename it instead, or change those sessions first.",
        }
    ]
    one = await mutate(graphql, REMOVE, kind="MEDIUM", value="tamil")
    assert "1 session uses it" in one["errors"][0]["message"]
    removed = await mutate(graphql, REMOVE, kind="CATEGORY", value="career guidance")
    assert removed["errors"] == []
    assert "Career guidance" not in removed["vocabulary"]["categories"]


# --- values coming in through the API ---------------------------------------------------------------


async def test_values_are_matched_ignoring_case_spaces_and_punctuation_and_stored_canonically(graphql, db):
    desk = await signed_in_desk(graphql)
    form = session_form(
        desk.mentor,
        categories=["  communication", "LIFE-SKILLS", "Communication"],
        recommendedFor=["school leaders!", "head  teachers"],
        medium="english",
    )
    payload = await mutate(graphql, CREATE, input=form)
    assert payload["errors"] == []
    session_id = int(payload["session"]["id"])
    assert await labels(session_id, LabelKind.CATEGORY) == ["Communication", "Life skills"]
    assert await labels(session_id, LabelKind.RECOMMENDED_FOR) == ["School leaders", "Head teachers"]
    assert (await Session.get(id=session_id)).medium == "English"
    edited = await mutate(graphql, UPDATE, id=str(session_id), input={"medium": "HINDI", "categories": ["pedagogy"]})
    assert edited["errors"] == []
    assert (await Session.get(id=session_id)).medium == "Hindi"
    assert await labels(session_id, LabelKind.CATEGORY) == ["Pedagogy"]


async def test_an_unknown_value_is_invalid_with_the_closest_known_value_and_the_list(graphql, db):
    desk = await signed_in_desk(graphql)
    payload = await mutate(
        graphql, CREATE, input=session_form(desk.mentor, categories=["Comunication"], medium="Klingon")
    )
    assert payload["session"] is None
    assert refusals(payload) == {("categories", "INVALID"), ("medium", "INVALID")}
    by_field = {e["field"]: e["message"] for e in payload["errors"]}
    assert by_field["categories"] == (
        "“Comunication” is not one of your organisation's categories; did you mean “Communication”? "
        "The categories are: Communication, Life skills, Leadership, Pedagogy, Career guidance, Planning."
    )
    assert by_field["medium"] == (
        "“Klingon” is not one of your organisation's mediums, which are: English, Hindi, Tamil. "
        "Choose one of them, or ask a session manager to add it on the Vocabulary page."
    )


async def test_an_organisation_without_a_list_is_told_to_set_one_up(graphql, db):
    org = await make_org(vocabulary={})
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR")
    await graphql.login(manager.email)
    payload = await mutate(graphql, CREATE, input=session_form(mentor))
    assert refusals(payload) == {("categories", "INVALID"), ("recommendedFor", "INVALID"), ("medium", "INVALID")}
    assert "your organisation has no mediums yet" in {e["field"]: e["message"] for e in payload["errors"]}["medium"]


# --- values coming in through CSV rows ----------------------------------------------------------------


async def test_csv_rows_are_matched_to_the_lists_like_the_api(graphql, db):
    team = await people(graphql)
    data = csv_bytes(
        [
            create_row(team.mentor, title="Spelt loosely", categories="life skills; COMMUNICATION", medium="hindi"),
            create_row(team.mentor, title="Misspelt", days_ahead=12, recommended_for="Teachrs"),
        ]
    )
    result = await upload_and_run(graphql, data)
    messages = messages_by_row(result)
    assert messages[3] == (
        "Recommended For: “Teachrs” is not one of your organisation's “Recommended for” values; "
        "did you mean “Teachers”? The “Recommended for” values are: Teachers, School leaders, Head teachers, "
        "Block education officer."
    )
    created = await Session.get(title="Spelt loosely")
    assert created.medium == "Hindi"
    assert await labels(created.id, LabelKind.CATEGORY) == ["Life skills", "Communication"]


# --- the migration ---------------------------------------------------------------------------------


async def test_the_migration_starts_the_lists_from_the_values_in_use_merging_spellings(db):
    migration = importlib.import_module("backend.migrations.0006_vocabularies")
    org = await Organization.create(name="Before lists")
    mentor = await make_user(org, "MENTOR")
    first = await make_session(org, mentor, categories=("Communication", "communication"), medium="English")
    second = await make_session(org, mentor, categories=("Comunication",), medium="english")
    third = await make_session(org, mentor, categories=("communication ",), medium="English")
    await VocabularyValue.all().delete()  # as before the migration
    await migration.start_vocabularies(Tortoise.get_connection("default"))
    lists = {
        kind: list(
            await VocabularyValue.filter(organization=org, kind=kind)
            .order_by("position")
            .values_list("value", flat=True)
        )
        for kind in VocabularyKind
    }
    assert lists == {
        VocabularyKind.CATEGORY: ["Communication", "Comunication"],
        VocabularyKind.RECOMMENDED_FOR: ["Teachers"],
        VocabularyKind.MEDIUM: ["English"],
    }
    assert await labels(first.id, LabelKind.CATEGORY) == ["Communication"]
    assert await labels(second.id, LabelKind.CATEGORY) == ["Comunication"]
    assert await labels(third.id, LabelKind.CATEGORY) == ["Communication"]
    assert {s.medium for s in await Session.filter(organization=org)} == {"English"}


async def test_a_list_holds_at_most_200_values_and_the_next_one_is_refused(graphql, db):
    desk = await signed_in_desk(graphql)
    have = await VocabularyValue.filter(organization_id=desk.org.id, kind=VocabularyKind.CATEGORY).count()
    await VocabularyValue.bulk_create(
        VocabularyValue(
            organization_id=desk.org.id,
            kind=VocabularyKind.CATEGORY,
            value=f"Topic {n}",
            match_key=f"topic{n}",
            position=100 + n,
        )
        for n in range(vocabulary.VALUES_MAX - have)
    )
    payload = await mutate(graphql, ADD, kind="CATEGORY", value="One too many")
    assert refusals(payload) == {("value", "INVALID")}
    assert "already has 200 values, the most it may hold" in payload["errors"][0]["message"]
    assert await VocabularyValue.filter(organization_id=desk.org.id, kind=VocabularyKind.CATEGORY).count() == 200


def test_a_near_miss_is_sought_among_a_few_values_sharing_its_trigrams_not_the_whole_list(monkeypatch):
    known = [f"Topic number {n}" for n in range(195)] + ["Communication", "Life skills", "Leadership"]
    index = rules.value_index(tuple(known))
    compared = []
    real_matcher = rules.difflib.SequenceMatcher

    def counting_matcher(*args, **kwargs):
        compared.append(args[2])
        return real_matcher(*args, **kwargs)

    monkeypatch.setattr(rules.difflib, "SequenceMatcher", counting_matcher)
    assert rules.near_miss("Comunication", index) == "Communication"
    assert rules.near_miss("Lifeskils", index) == "Life skills"
    assert rules.near_miss("Astronomy", index) is None
    assert len(compared) <= 3 * rules.NEAR_MISS_CANDIDATES
    assert rules.near_miss("x" * 1_000_000, index) is None  # longer than any value: nothing compared
