"""Who sees what, as one table: every role × every output channel × every sensitive field.

The channels and fields come from backend/sessions/visibility.py (`OutputChannel`, `SensitiveField`); the
table below must have a row for each, every app route, GraphQL subscription, GraphQL Session field, mail and
Session column must be accounted for, so a new output or a new sensitive field cannot be added without a row
here.
"""

from __future__ import annotations

import contextlib
import inspect
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

import httpx
import pytest
from graphql import GraphQLList, GraphQLNamedType, GraphQLNonNull, GraphQLObjectType
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from tortoise import Tortoise

from backend import auth, compat
from backend.bulk_upload import job
from backend.graphql.schema import schema
from backend.mail import notices, notifications, reminders
from backend.mail.sender import composed
from backend.models import MeetingPlatform, OutboxMessage, Session, SessionType, User
from backend.sessions.visibility import (
    BULK_FILES_FOR_MANAGERS,
    PUBLIC_COLUMNS,
    SENSITIVE_COLUMNS,
    OutputChannel,
    SensitiveField,
)
from tests.support.bulk_upload import create, csv_bytes, row, upload
from tests.support.factories import make_org, make_session, make_user
from tests.support.live_client import LiveClient, closed_code, served
from tests.support.session_requests import CREATE, ist, session_form

LINK = "https://zoom.us/j/7777777777"
PASSCODE = "Passcode-4242"


class Role(Enum):
    MANAGER = "manager"
    SESSION_MENTOR = "mentor of the session"
    OTHER_MENTOR = "other mentor"
    INVITED_MENTEE = "invited mentee"
    ENROLLED_MENTEE = "enrolled mentee"
    OTHER_MENTEE = "other mentee"
    OTHER_ORG_MANAGER = "other organisation's manager"
    SIGNED_OUT = "signed out"


ALL = frozenset(SensitiveField)
MEETING = frozenset({SensitiveField.MEETING_LINK, SensitiveField.MEETING_PASSCODE})
MENTEES = frozenset({SensitiveField.MENTEES})
NONE: frozenset[SensitiveField] = frozenset()


def only(**seen: frozenset[SensitiveField]) -> dict[Role, frozenset[SensitiveField]]:
    """A row of the table: what each role sees; roles not named see nothing."""
    return {role: seen.get(role.name, NONE) for role in Role}


# THE TABLE: for each channel, what each role sees of the session's sensitive fields.
SEES: dict[OutputChannel, dict[Role, frozenset[SensitiveField]]] = {
    OutputChannel.GRAPHQL: only(
        MANAGER=ALL, SESSION_MENTOR=ALL, INVITED_MENTEE=MEETING, ENROLLED_MENTEE=MEETING
    ),  # other mentee: sees the public session, not its meeting or mentees
    # What each role's open subscription receives when the session is renamed and its meeting changed: the
    # same Session type; the other mentor and the other organisation's manager hear nothing of it, and a
    # signed-out connection is refused.
    OutputChannel.GRAPHQL_SESSION_EVENTS: only(
        MANAGER=ALL, SESSION_MENTOR=ALL, INVITED_MENTEE=MEETING, ENROLLED_MENTEE=MEETING
    ),  # other mentee: hears of the public session's changes, without its meeting or mentees
    OutputChannel.SESSIONS_CSV: only(),  # no sensitive column at all
    OutputChannel.SESSIONS_BULK_CSV: only(MANAGER=ALL),  # others: 403
    OutputChannel.MENTEES_CSV: only(MANAGER=MENTEES, SESSION_MENTOR=MENTEES),  # others: 404
    OutputChannel.BULK_RESULT_CSV: only(MANAGER=ALL),  # the uploader; other managers: 404, the rest: 403
    OutputChannel.BULK_SAMPLE_CSV: only(),  # no session data; non-managers: 403
    OutputChannel.MAIL_INVITED: only(INVITED_MENTEE=MEETING),
    OutputChannel.MAIL_RESCHEDULED: only(SESSION_MENTOR=MEETING, INVITED_MENTEE=MEETING, ENROLLED_MENTEE=MEETING),
    OutputChannel.MAIL_MEETING_CHANGED: only(SESSION_MENTOR=MEETING, INVITED_MENTEE=MEETING, ENROLLED_MENTEE=MEETING),
    OutputChannel.MAIL_DELETED: only(),  # the mentor and mentees are told, without a meeting to join
    OutputChannel.MAIL_REMOVED: only(),  # the removed (invited) mentee no longer gets the meeting
    OutputChannel.MAIL_BULK_RESULT: only(MANAGER=ALL),  # the uploader, with the result file attached
    OutputChannel.MAIL_ASSIGNED: only(SESSION_MENTOR=MEETING),  # the mentor of a new session
    # The mentor of the file's new sessions; the uploader's result file has the cells (no mentees in them).
    OutputChannel.MAIL_ASSIGNED_FROM_UPLOAD: only(MANAGER=MEETING, SESSION_MENTOR=MEETING),
    OutputChannel.MAIL_DETAILS_CHANGED: only(SESSION_MENTOR=MEETING, INVITED_MENTEE=MEETING, ENROLLED_MENTEE=MEETING),
    # Titles, times and platforms of the mentor's many new sessions; the meeting is in the calendar feed.
    OutputChannel.MAIL_SUMMARY: only(MANAGER=MEETING),  # the uploader's result file has the cells
    OutputChannel.MAIL_REMINDER: only(SESSION_MENTOR=MEETING, INVITED_MENTEE=MEETING, ENROLLED_MENTEE=MEETING),
    # Each person's own feed: the sessions they take part in (a manager: the organisation's), no attendees.
    OutputChannel.CALENDAR_FEED: only(
        MANAGER=MEETING, SESSION_MENTOR=MEETING, INVITED_MENTEE=MEETING, ENROLLED_MENTEE=MEETING
    ),
    # The history of changes (a new passcode, a removed mentee): managers only; everyone else is refused.
    OutputChannel.GRAPHQL_ACTIVITY: only(MANAGER=ALL),
    OutputChannel.ACTIVITY_CSV: only(MANAGER=ALL),
    OutputChannel.MAIL_RESTORED: only(SESSION_MENTOR=MEETING, INVITED_MENTEE=MEETING, ENROLLED_MENTEE=MEETING),
}

# Every route of the app: the channel it is, or why it carries no session field.
ROUTES: dict[str, OutputChannel | str] = {
    "/graphql": OutputChannel.GRAPHQL,
    "/exports/sessions.csv": OutputChannel.SESSIONS_CSV,  # and SESSIONS_BULK_CSV with format=bulk
    "/exports/sessions/{id}/mentees.csv": OutputChannel.MENTEES_CSV,
    "/bulk-upload/sample.csv": OutputChannel.BULK_SAMPLE_CSV,
    "/bulk-uploads/{id}/result.csv": OutputChannel.BULK_RESULT_CSV,
    "/calendar/{token}.ics": OutputChannel.CALENDAR_FEED,
    "/exports/activity.csv": OutputChannel.ACTIVITY_CSV,
    "/calendar/{rest:path}": "no feed at that address: 404",
    "/healthz": "health: no data",
    "/readyz": "readiness: no data",
    "/metrics": "counters only",
    "/media": "session images, public to whoever has the link",
    "/static": "the browser app's files",
    "/{path:path}": "the browser app's shell",
}

# Every subscription of the GraphQL schema: the channel it is, or why it carries no session field. One
# whose type reaches the Session type must be a channel (checked below).
SUBSCRIPTIONS: dict[str, OutputChannel | str] = {
    "sessionEvents": OutputChannel.GRAPHQL_SESSION_EVENTS,
    "bulkUploadProgress": "the viewer's own bulk upload (managers only): counts, row messages, result file link",
}

# Every mail the app writes.
MAILS = {
    "invited_letter": OutputChannel.MAIL_INVITED,
    "rescheduled_letter": OutputChannel.MAIL_RESCHEDULED,
    "meeting_changed_letter": OutputChannel.MAIL_MEETING_CHANGED,
    "deleted_letter": OutputChannel.MAIL_DELETED,
    "removed_letter": OutputChannel.MAIL_REMOVED,
    "notify_bulk_upload_finished": OutputChannel.MAIL_BULK_RESULT,
    "assigned_letter": OutputChannel.MAIL_ASSIGNED,
    "sessions_letter": OutputChannel.MAIL_ASSIGNED_FROM_UPLOAD,
    "summary_letter": OutputChannel.MAIL_SUMMARY,
    "details_changed_letter": OutputChannel.MAIL_DETAILS_CHANGED,
    "restored_letter": OutputChannel.MAIL_RESTORED,
    "reminder_mail": OutputChannel.MAIL_REMINDER,  # backend/mail/reminders.py
}

# The GraphQL fields of a session that carry a sensitive field; every other field of the type is listed
# as public, so a new field must be put in one list or the other.
GRAPHQL_SENSITIVE = {"meeting": MEETING, "mentees": MENTEES, "history": ALL}
GRAPHQL_PUBLIC = {
    "id", "title", "description", "type", "status", "startsAt", "endsAt", "durationMinutes", "timeZone",
    "mentor", "menteeCount", "enrolledCount", "invitedCount", "seatsLimit", "seatsLeft", "recommendedFor",
    "categories", "medium", "imageUrl", "canEdit", "editBlockedReason", "canEditMeeting",
    "meetingEditBlockedReason", "canDelete", "deleteBlockedReason", "createdAt", "updatedAt", "startedAt",
    "completedAt", "remindersEnabled", "version", "deletedAt",
    # The viewer's own part (their attendance, the stars they gave): about the viewer, never about anyone else.
    "viewerAttendance", "viewerStars",
}  # fmt: skip


# --- the world every row is checked in --------------------------------------------------------------


@dataclass
class World:
    session: Session
    people: dict[Role, User]
    tokens: dict[Role, str]
    http: httpx.AsyncClient
    app: Starlette | None = None

    def headers(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role in self.tokens else {}

    async def get(self, role: Role, path: str, **params: str) -> str:
        response = await self.http.get(path, params=params, headers=self.headers(role))
        return response.text

    async def graphql(self, role: Role, query: str, **variables: object) -> dict:
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers(role)
        )
        return response.json()

    def mentees_but(self, role: Role) -> list[User]:
        return [self.people[r] for r in (Role.INVITED_MENTEE, Role.ENROLLED_MENTEE) if r != role and r in self.people]


async def a_world(http: httpx.AsyncClient, invited: bool = True, app: Starlette | None = None) -> World:
    org, other_org = await make_org(), await make_org()
    people = {
        Role.MANAGER: await make_user(org, "MANAGER", name="Maya Manager", email="maya@example.test"),
        Role.SESSION_MENTOR: await make_user(org, "MENTOR", name="Ravi Mentor", email="ravi@example.test"),
        Role.OTHER_MENTOR: await make_user(org, "MENTOR", name="Omar Mentor", email="omar@example.test"),
        Role.INVITED_MENTEE: await make_user(org, "MENTEE", name="Ira Invited", email="ira@example.test"),
        Role.ENROLLED_MENTEE: await make_user(org, "MENTEE", name="Esha Enrolled", email="esha@example.test"),
        Role.OTHER_MENTEE: await make_user(org, "MENTEE", name="Xavi Other", email="xavi@example.test"),
        Role.OTHER_ORG_MANAGER: await make_user(other_org, "MANAGER", name="Bela Boss", email="bela@example.test"),
    }
    session = await make_session(
        org,
        people[Role.SESSION_MENTOR],
        title="Lesson planning",
        type=SessionType.PUBLIC,
        platform=MeetingPlatform.ZOOM,
        invited=(people[Role.INVITED_MENTEE],) if invited else (),
        enrolled=(people[Role.ENROLLED_MENTEE],),
    )
    await Session.filter(id=session.id).update(meeting_link=LINK, meeting_passcode=PASSCODE)
    session = await Session.get(id=session.id)
    tokens = {role: await auth.issue_token(user) for role, user in people.items()}
    return World(session, people, tokens, http, app)


# --- how each channel is read as one role: everything it shows them, as text -----------------------

SESSION_FIELDS = "id meeting { link passcode } mentees { name email }"


async def read_graphql(world: World, role: Role) -> str:
    body = await world.graphql(
        role,
        f"""query($id: ID!, $mentor: ID!) {{
          session(id: $id) {{ {SESSION_FIELDS} }}
          sessions(pageSize: 10) {{ items {{ {SESSION_FIELDS} }} }}
          mentor(id: $mentor) {{ sessions(pageSize: 10) {{ items {{ {SESSION_FIELDS} }} }} }}
        }}""",
        id=str(world.session.id),
        mentor=str(world.session.mentor_id),
    )
    return json.dumps(body)


async def read_sessions_csv(world: World, role: Role) -> str:
    return await world.get(role, "/exports/sessions.csv")


async def read_bulk_csv(world: World, role: Role) -> str:
    return await world.get(role, "/exports/sessions.csv", format="bulk")


async def read_mentees_csv(world: World, role: Role) -> str:
    return await world.get(role, f"/exports/sessions/{world.session.id}/mentees.csv")


async def uploaded_by_manager(world: World) -> str:
    """The manager uploads an Edit row naming the meeting and the invited mentee; the job runs."""
    cells = row(
        action="Edit",
        id=world.session.id,
        meeting_platform="Zoom",
        meeting_link=LINK,
        meeting_passcode=PASSCODE,
        mentees=world.people[Role.INVITED_MENTEE].email,
    )
    payload = await upload(world.http, world.tokens[Role.MANAGER], csv_bytes([cells]))
    assert payload["errors"] == [], payload
    await job.run_pending()
    return payload["bulkUpload"]["id"]


async def read_bulk_result(world: World, role: Role) -> str:
    upload_id = getattr(world, "upload_id", None) or await uploaded_by_manager(world)
    world.upload_id = upload_id  # type: ignore[attr-defined]
    return await world.get(role, f"/bulk-uploads/{upload_id}/result.csv")


async def read_sample(world: World, role: Role) -> str:
    return await world.get(role, "/bulk-upload/sample.csv")


MailTrigger = Callable[[World], Awaitable[None]]


async def _as_manager(world: World, query: str, **variables: object) -> None:
    body = await world.graphql(Role.MANAGER, query, **variables)
    assert "errors" not in body and not next(iter(body["data"].values()))["errors"], body


async def invite(world: World) -> None:
    await _as_manager(
        world,
        "mutation($id: ID!, $emails: [String!]!) "
        "{ inviteMentees(sessionId: $id, emails: $emails) { errors { message } } }",
        id=str(world.session.id),
        emails=[world.people[Role.INVITED_MENTEE].email],
    )


async def reschedule(world: World) -> None:
    await _as_manager(
        world,
        "mutation($id: ID!, $at: DateTime!) { updateSession(id: $id, input: {startsAt: $at}) { errors { message } } }",
        id=str(world.session.id),
        at=ist("11:00"),
    )


async def change_meeting(world: World) -> None:
    await _as_manager(
        world,
        "mutation($id: ID!, $passcode: String) "
        "{ updateMeeting(id: $id, input: {platform: ZOOM, passcode: $passcode}) { errors { message } } }",
        id=str(world.session.id),
        passcode=PASSCODE.upper(),
    )


async def delete(world: World) -> None:
    await _as_manager(
        world, "mutation($id: ID!) { deleteSession(id: $id) { errors { message } } }", id=str(world.session.id)
    )


async def remove(world: World) -> None:
    await _as_manager(
        world,
        "mutation($id: ID!, $ids: [ID!]!) { removeMentees(sessionId: $id, menteeIds: $ids) { errors { message } } }",
        id=str(world.session.id),
        ids=[str(world.people[Role.INVITED_MENTEE].id)],
    )


async def bulk_upload(world: World) -> None:
    await uploaded_by_manager(world)


async def create_for_mentor(world: World) -> None:
    await _as_manager(
        world,
        "mutation($input: CreateSessionInput!) { createSession(input: $input) { errors { message } } }",
        input={
            "title": "Another session", "description": "More.", "type": "PUBLIC",
            "mentorId": str(world.session.mentor_id), "startsAt": ist("08:00"), "durationMinutes": 60,
            "recommendedFor": ["Teachers"], "categories": ["Communication"], "medium": "English",
            "meeting": {"platform": "ZOOM", "link": LINK, "passcode": PASSCODE},
        },
    )  # fmt: skip


async def upload_new_sessions(world: World) -> None:
    mentor = world.people[Role.SESSION_MENTOR]
    meeting = {"meeting_platform": "Zoom", "meeting_link": LINK, "meeting_passcode": PASSCODE}
    rows = [create(mentor, f"Uploaded {n}", days_ahead=300 + n, **meeting) for n in range(2)]
    payload = await upload(world.http, world.tokens[Role.MANAGER], csv_bytes(rows))
    assert payload["errors"] == [], payload
    await job.run_pending()


async def upload_many_sessions(world: World) -> None:
    """More new sessions for one mentor than one mail carries events: their mail is a summary."""
    mentor = world.people[Role.SESSION_MENTOR]
    meeting = {"meeting_platform": "Zoom", "meeting_link": LINK, "meeting_passcode": PASSCODE}
    rows = [create(mentor, f"Uploaded {n}", days_ahead=300 + n, **meeting) for n in range(notices.MAX_EVENTS + 1)]
    payload = await upload(world.http, world.tokens[Role.MANAGER], csv_bytes(rows))
    assert payload["errors"] == [], payload
    await job.run_pending()


async def rename(world: World) -> None:
    await _as_manager(
        world,
        'mutation($id: ID!) { updateSession(id: $id, input: {title: "Renamed"}) { errors { message } } }',
        id=str(world.session.id),
    )


async def restore(world: World) -> None:
    await delete(world)
    await OutboxMessage.all().delete()  # the cancellation is another row's mail
    await _as_manager(
        world, "mutation($id: ID!) { restoreSession(id: $id) { errors { message } } }", id=str(world.session.id)
    )


async def changed_for_history(world: World) -> None:
    """Once: changes whose history holds each sensitive field (the Zoom link and passcode given up for
    BigBlueButton; a removed mentee)."""
    if not hasattr(world, "history_made"):
        await _as_manager(
            world,
            "mutation($id: ID!) { updateMeeting(id: $id, input: {platform: BIG_BLUE_BUTTON}) { errors { message } } }",
            id=str(world.session.id),
        )
        await remove(world)
        world.history_made = True  # type: ignore[attr-defined]


ACTIVITY = "items { sessionTitle changes { field before after } }"


async def read_activity_graphql(world: World, role: Role) -> str:
    await changed_for_history(world)
    body = await world.graphql(
        role,
        f"query($id: ID!) {{ activity(pageSize: 50) {{ {ACTIVITY} }} }}",
        id=str(world.session.id),
    )
    timeline = await world.graphql(
        role, f"query($id: ID!) {{ session(id: $id) {{ history {{ {ACTIVITY} }} }} }}", id=str(world.session.id)
    )
    return json.dumps([body, timeline])


async def read_activity_csv(world: World, role: Role) -> str:
    await changed_for_history(world)
    return await world.get(role, "/exports/activity.csv")


async def remind(world: World) -> None:
    assert await reminders.send_due(now=world.session.starts_at - timedelta(minutes=60)) > 0


async def read_calendar_feed(world: World, role: Role) -> str:
    if role not in world.tokens:
        return ""  # signed out: no feed of their own
    body = await world.graphql(role, "{ viewer { calendarFeedUrl } }")
    url = body["data"]["viewer"]["calendarFeedUrl"]
    response = await world.http.get(url.removeprefix(str(world.http.base_url).rstrip("/")))
    assert response.status_code == 200
    return response.text.replace("\r\n ", "")  # unfolded, as a calendar reads it


def read_mail(trigger: MailTrigger, invited_before: bool = True):
    """Each role's mail from one change: every message to them, with its attachments, as text."""

    async def read(world: World, role: Role) -> str:
        if not hasattr(world, "mail"):
            await OutboxMessage.all().delete()
            await trigger(world)
            world.mail = list(await OutboxMessage.all())  # type: ignore[attr-defined]
        person = world.people.get(role)
        texts = []
        for message in world.mail:  # type: ignore[attr-defined]
            if person is not None and person.email in message.recipients and (mail := await composed(message)):
                texts += [mail.subject, mail.text, mail.html]
                texts += [attachment.content.decode() for attachment in mail.attachments]
        return "\n".join(texts)

    read.invited_before = invited_before  # type: ignore[attr-defined]
    return read


SESSION_EVENTS = f"subscription {{ sessionEvents {{ kind sessionId session {{ title {SESSION_FIELDS} }} }} }}"


async def mark(world: World, n: int, mentor_in_other_org: User) -> str:
    """A change that every signed-in role hears of: a public session created for each mentor of the
    organisation, and one in the other organisation. Its title tells a listener it is there."""
    title = f"Marker {n}"
    at = f"209{n}-01-01T10:00:00+05:30"
    for mentor in (world.people[Role.SESSION_MENTOR], world.people[Role.OTHER_MENTOR], mentor_in_other_org):
        creator = Role.OTHER_ORG_MANAGER if mentor is mentor_in_other_org else Role.MANAGER
        body = await world.graphql(creator, CREATE, input=session_form(mentor, title=title, startsAt=at))
        assert body["data"]["createSession"]["errors"] == [], body
    return title


async def heard_by_every_role(world: World) -> dict[Role, str]:
    """Every signed-in role subscribes to sessionEvents over a real websocket; the session is renamed and
    its meeting changed; each role's events about the session, as text. A signed-out connection is refused."""
    assert world.app is not None
    other_org_mentor = await make_user(await world.people[Role.OTHER_ORG_MANAGER].organization, "MENTOR")
    heard: dict[Role, list[dict]] = {role: [] for role in world.tokens}
    async with served(world.app) as base_url, contextlib.AsyncExitStack() as connections:
        assert await closed_code(base_url, {}) == (4403, "Forbidden")
        live = {
            role: await connections.enter_async_context(LiveClient.connect(base_url, token))
            for role, token in world.tokens.items()
        }
        subscribed = {role: await client.subscribe(SESSION_EVENTS) for role, client in live.items()}

        async def listen_until(marker: str) -> None:
            for role, client in live.items():
                while (event := (await client.next(subscribed[role]))["sessionEvents"])["session"]["title"] != marker:
                    if event["sessionId"] == str(world.session.id):
                        heard[role].append(event)

        # Every subscription is listening once it hears the first marker; the second ends what is read.
        await listen_until(await mark(world, 1, other_org_mentor))
        await rename(world)
        await change_meeting(world)
        await listen_until(await mark(world, 2, other_org_mentor))
    return {role: json.dumps(heard.get(role, [])) for role in Role}


async def read_session_events(world: World, role: Role) -> str:
    if not hasattr(world, "events"):
        world.events = await heard_by_every_role(world)  # type: ignore[attr-defined]
    return world.events[role]  # type: ignore[attr-defined]


READERS = {
    OutputChannel.GRAPHQL: read_graphql,
    OutputChannel.GRAPHQL_SESSION_EVENTS: read_session_events,
    OutputChannel.SESSIONS_CSV: read_sessions_csv,
    OutputChannel.SESSIONS_BULK_CSV: read_bulk_csv,
    OutputChannel.MENTEES_CSV: read_mentees_csv,
    OutputChannel.BULK_RESULT_CSV: read_bulk_result,
    OutputChannel.BULK_SAMPLE_CSV: read_sample,
    OutputChannel.MAIL_INVITED: read_mail(invite, invited_before=False),
    OutputChannel.MAIL_RESCHEDULED: read_mail(reschedule),
    OutputChannel.MAIL_MEETING_CHANGED: read_mail(change_meeting),
    OutputChannel.MAIL_DELETED: read_mail(delete),
    OutputChannel.MAIL_REMOVED: read_mail(remove),
    OutputChannel.MAIL_BULK_RESULT: read_mail(bulk_upload),
    OutputChannel.MAIL_ASSIGNED: read_mail(create_for_mentor),
    OutputChannel.MAIL_ASSIGNED_FROM_UPLOAD: read_mail(upload_new_sessions),
    OutputChannel.MAIL_DETAILS_CHANGED: read_mail(rename),
    OutputChannel.MAIL_SUMMARY: read_mail(upload_many_sessions),
    OutputChannel.MAIL_REMINDER: read_mail(remind),
    OutputChannel.CALENDAR_FEED: read_calendar_feed,
    OutputChannel.GRAPHQL_ACTIVITY: read_activity_graphql,
    OutputChannel.ACTIVITY_CSV: read_activity_csv,
    OutputChannel.MAIL_RESTORED: read_mail(restore),
}


def fields_in(text: str, world: World, role: Role) -> frozenset[SensitiveField]:
    """Which sensitive fields of the session the text shows. Mentees are the session's mentees other than
    the reader (a mentee's own name in their own mail is no leak)."""
    found = set()
    if LINK in text:
        found.add(SensitiveField.MEETING_LINK)
    if PASSCODE in text or PASSCODE.upper() in text:
        found.add(SensitiveField.MEETING_PASSCODE)
    if any(m.name in text or m.email in text for m in world.mentees_but(role)):
        found.add(SensitiveField.MENTEES)
    return frozenset(found)


@pytest.mark.parametrize("channel", list(OutputChannel), ids=lambda c: c.name)
async def test_every_role_sees_exactly_what_the_table_says_in_every_channel(app, http, db, channel):
    reader = READERS[channel]
    world = await a_world(http, invited=getattr(reader, "invited_before", True), app=app)
    seen = {role: fields_in(await reader(world, role), world, role) for role in Role}
    expected = SEES[channel]
    assert seen == expected, {
        role.value: (sorted(f.value for f in seen[role]), sorted(f.value for f in expected[role]))
        for role in Role
        if seen[role] != expected[role]
    }


# --- the table is complete --------------------------------------------------------------------------


def test_the_table_has_a_row_for_every_channel_role_and_field():
    assert set(SEES) == set(OutputChannel) == set(READERS), "a channel without its row or its reader"
    for channel, row_ in SEES.items():
        assert set(row_) == set(Role), channel
        assert all(fields <= set(SensitiveField) for fields in row_.values())
    # Every sensitive field is seen by someone somewhere, so each is really checked.
    assert set().union(*(fields for row_ in SEES.values() for fields in row_.values())) == set(SensitiveField)


def test_every_route_of_the_app_is_a_channel_or_carries_no_session_field(app):
    paths = {r.path for r in app.routes if isinstance(r, Route | Mount)}
    assert paths == set(ROUTES), f"routes without a row in ROUTES: {sorted(paths - set(ROUTES))}"
    channels = {c for c in ROUTES.values() if isinstance(c, OutputChannel)}
    assert channels | {OutputChannel.SESSIONS_BULK_CSV} == {c for c in OutputChannel if "GET" in c.value} | {
        OutputChannel.GRAPHQL
    }


def _reaches(type_: object, name: str, seen: set[str] | None = None) -> bool:
    """Whether a GraphQL type is, or has a field (at any depth) of, the named type."""
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    assert isinstance(type_, GraphQLNamedType)
    seen = set() if seen is None else seen
    if type_.name == name:
        return True
    if type_.name in seen or not isinstance(type_, GraphQLObjectType):
        return False
    seen.add(type_.name)
    return any(_reaches(field.type, name, seen) for field in type_.fields.values())


def test_every_subscription_is_a_channel_or_carries_no_session_field():
    subscription = compat.graphql_core_schema(schema).subscription_type
    assert subscription is not None
    names = set(subscription.fields)
    assert names == set(SUBSCRIPTIONS), (
        f"subscriptions without a row in SUBSCRIPTIONS: {sorted(names ^ set(SUBSCRIPTIONS))}"
    )
    for name, field in subscription.fields.items():
        if _reaches(field.type, "Session"):
            assert isinstance(SUBSCRIPTIONS[name], OutputChannel), f"{name} sends sessions: it needs a channel row"
    assert {c for c in SUBSCRIPTIONS.values() if isinstance(c, OutputChannel)} == {
        c for c in OutputChannel if c.value.startswith("GraphQL subscription")
    }


def test_every_mail_is_a_channel():
    writers = {name for name, _ in inspect.getmembers(notifications, inspect.isfunction)}
    writers = {name for name in writers if name.startswith("notify_") or name.endswith("_letter")}
    writers |= {name for name, _ in inspect.getmembers(reminders, inspect.isfunction) if name.endswith("_mail")}
    assert writers == set(MAILS)
    assert set(MAILS.values()) == {c for c in OutputChannel if c.name.startswith("MAIL_")}


def test_every_graphql_field_of_a_session_is_classified():
    names = set(compat.graphql_core_schema(schema).get_type("Session").fields)
    assert names == set(GRAPHQL_SENSITIVE) | GRAPHQL_PUBLIC, sorted(names ^ (set(GRAPHQL_SENSITIVE) | GRAPHQL_PUBLIC))


def test_every_session_column_is_sensitive_or_public():
    Tortoise.init_models(["backend.models"], "models")  # the foreign keys' columns exist once relations are set up
    columns = set(Session._meta.db_fields)
    assert columns == set(SENSITIVE_COLUMNS) | PUBLIC_COLUMNS, sorted(
        columns ^ (set(SENSITIVE_COLUMNS) | PUBLIC_COLUMNS)
    )
    assert not set(SENSITIVE_COLUMNS) & PUBLIC_COLUMNS


@pytest.mark.parametrize("role", [r for r in Role if r not in (Role.MANAGER, Role.SIGNED_OUT, Role.OTHER_ORG_MANAGER)])
async def test_bulk_files_refuse_everyone_but_managers_with_a_sentence(http, db, role):
    world = await a_world(http)
    upload_id = await uploaded_by_manager(world)
    for path, params in (
        ("/exports/sessions.csv", {"format": "bulk"}),
        ("/bulk-upload/sample.csv", {}),
        (f"/bulk-uploads/{upload_id}/result.csv", {}),
    ):
        response = await http.get(path, params=params, headers=world.headers(role))
        assert (response.status_code, response.text) == (403, BULK_FILES_FOR_MANAGERS), path
