"""The personal calendar feed: GET /calendar/{token}.ics holds the viewer's upcoming sessions, only what
they may see, and a reset token answers 404."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from backend.models import MeetingPlatform, SessionStatus, SessionType, User, utcnow
from tests.support.factories import make_session, make_user
from tests.support.session_requests import a_desk

FEED_URL = "query { viewer { calendarFeedUrl } }"
RESET = "mutation { resetCalendarFeed { url errors { field code message } } }"


async def feed_url(graphql, person: User) -> str:
    await graphql.login(person.email)
    url = (await graphql.execute(FEED_URL))["viewer"]["calendarFeedUrl"]
    assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")
    return url


async def fetch(http, url: str):
    return await http.get(url.removeprefix("http://testserver"))


async def titles_in(http, url: str) -> dict[str, object]:
    response = await fetch(http, url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert "METHOD" not in calendar  # a subscription, not an invitation
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


async def a_calendar(graphql):
    """Ravi mentors two upcoming sessions; Asha is enrolled in one and invited to a private one of Sunita's;
    one session is over, one deleted, and another organisation has its own."""
    desk = await a_desk()
    soon = utcnow().replace(microsecond=0) + timedelta(days=2)
    await make_session(desk.org, desk.mentor, title="Ravi public", starts_at=soon, enrolled=(desk.asha,),
                       platform=MeetingPlatform.GOOGLE_MEET)  # fmt: skip
    await make_session(desk.org, desk.mentor, title="Ravi alone", starts_at=soon + timedelta(days=1))
    await make_session(desk.org, desk.other_mentor, title="Sunita private", type=SessionType.PRIVATE,
                       invited=(desk.asha,), starts_at=soon + timedelta(days=2))  # fmt: skip
    await make_session(desk.org, desk.other_mentor, title="Sunita public", starts_at=soon + timedelta(days=3),
                       platform=MeetingPlatform.ZOOM)  # fmt: skip
    await make_session(desk.org, desk.mentor, title="Ravi done", starts_at=soon - timedelta(days=9),
                       status=SessionStatus.COMPLETED, enrolled=(desk.asha,))  # fmt: skip
    await make_session(desk.org, desk.mentor, title="Ravi deleted", starts_at=soon + timedelta(days=4),
                       deleted_at=utcnow())  # fmt: skip
    other = await a_desk()
    await make_session(other.org, other.mentor, title="Elsewhere", starts_at=soon)
    return desk


async def test_a_mentor_sees_their_own_upcoming_sessions(graphql, http, db):
    desk = await a_calendar(graphql)

    events = await titles_in(http, await feed_url(graphql, desk.mentor))

    assert sorted(events) == ["Ravi alone", "Ravi public"]
    event = events["Ravi public"]
    assert str(event["UID"]).startswith("session-") and event["DTSTART"].dt.utcoffset() == timedelta(0)
    assert str(event["LOCATION"]) == "https://meet.google.com/abc-defg-hij"


async def test_a_mentee_sees_the_sessions_they_are_enrolled_in_and_invited_to(graphql, http, db):
    desk = await a_calendar(graphql)

    events = await titles_in(http, await feed_url(graphql, desk.asha))

    assert sorted(events) == ["Ravi public", "Sunita private"]  # not the public session they did not join
    assert str(events["Ravi public"]["URL"]) == "https://meet.google.com/abc-defg-hij"


async def test_a_manager_sees_the_upcoming_sessions_of_their_organisation(graphql, http, db):
    desk = await a_calendar(graphql)

    events = await titles_in(http, await feed_url(graphql, desk.manager))

    assert sorted(events) == ["Ravi alone", "Ravi public", "Sunita private", "Sunita public"]
    assert str(events["Sunita public"]["LOCATION"]) == "https://zoom.us/j/1234567890"


async def test_a_mentee_who_is_also_a_mentor_sees_both(graphql, http, db):
    desk = await a_desk()
    both = await make_user(desk.org, "MENTOR", "MENTEE", name="Dual Role")
    await make_session(desk.org, both, title="Hosting")
    await make_session(desk.org, desk.mentor, title="Attending", enrolled=(both,))
    await make_session(desk.org, desk.mentor, title="Not mine")

    assert sorted(await titles_in(http, await feed_url(graphql, both))) == ["Attending", "Hosting"]


async def test_the_feed_url_stays_the_same_until_it_is_reset_and_the_old_one_then_answers_404(graphql, http, db):
    desk = await a_calendar(graphql)
    first = await feed_url(graphql, desk.asha)
    assert await feed_url(graphql, desk.asha) == first
    assert len(first.rsplit("/", 1)[1].removesuffix(".ics")) >= 40

    payload = (await graphql.execute(RESET))["resetCalendarFeed"]

    assert payload["errors"] == []
    assert payload["url"] != first and payload["url"] == await feed_url(graphql, desk.asha)
    assert (await fetch(http, first)).status_code == 404
    assert "Sunita private" in await titles_in(http, payload["url"])


async def test_the_token_is_stored_only_as_a_digest(graphql, http, db):
    desk = await a_calendar(graphql)
    url = await feed_url(graphql, desk.mentor)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")

    stored = await User.get(id=desk.mentor.id)

    assert token not in (stored.calendar_feed_salt, stored.calendar_feed_digest)
    assert stored.calendar_feed_digest and len(stored.calendar_feed_digest) == 64


async def test_an_unknown_token_answers_404(graphql, http, db):
    await a_calendar(graphql)
    assert (await http.get("/calendar/not-a-real-token.ics")).status_code == 404
    assert (await http.get("/calendar/.ics")).status_code == 404
