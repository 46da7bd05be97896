"""The session mutations as a GraphQL client sends them, a valid session form to vary, and the people
of one organisation — shared by the tests of changing sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from backend.models import Organization, User, utcnow
from tests.support.factories import make_org, make_user

SESSION = """
  id title description type status startsAt endsAt durationMinutes timeZone seatsLimit
  menteeCount invitedCount enrolledCount recommendedFor categories medium imageUrl
  meeting { platform link passcode }
  mentor { id name }
  mentees { id email kind }
  canEdit editBlockedReason canEditMeeting canDelete startedAt completedAt updatedAt
"""
ERRORS = "errors { field code message }"

CREATE = f"""
mutation($input: CreateSessionInput!) {{
  createSession(input: $input) {{ session {{ {SESSION} }} {ERRORS} }}
}}"""
UPDATE = f"""
mutation($id: ID!, $input: UpdateSessionInput!, $notify: Boolean! = true) {{
  updateSession(id: $id, input: $input, notify: $notify) {{ session {{ {SESSION} }} {ERRORS} }}
}}"""
UPDATE_MEETING = f"""
mutation($id: ID!, $input: MeetingInput!, $notify: Boolean! = true) {{
  updateMeeting(id: $id, input: $input, notify: $notify) {{ session {{ {SESSION} }} {ERRORS} }}
}}"""
DELETE = f"""
mutation($id: ID!, $notify: Boolean! = true) {{
  deleteSession(id: $id, notify: $notify) {{ deletedId {ERRORS} }}
}}"""
INVITE = f"""
mutation($sessionId: ID!, $emails: [String!]!) {{
  inviteMentees(sessionId: $sessionId, emails: $emails) {{ session {{ {SESSION} }} {ERRORS} }}
}}"""
REMOVE = f"""
mutation($sessionId: ID!, $menteeIds: [ID!]!) {{
  removeMentees(sessionId: $sessionId, menteeIds: $menteeIds) {{ session {{ {SESSION} }} {ERRORS} }}
}}"""
START = f"mutation($id: ID!) {{ startSession(id: $id) {{ session {{ {SESSION} }} {ERRORS} }} }}"
END = f"mutation($id: ID!) {{ endSession(id: $id) {{ session {{ {SESSION} }} {ERRORS} }} }}"
ENROL = f"mutation($id: ID!) {{ enrollInSession(id: $id) {{ session {{ {SESSION} }} {ERRORS} }} }}"
LEAVE = f"mutation($id: ID!) {{ leaveSession(id: $id) {{ session {{ {SESSION} }} {ERRORS} }} }}"
RATE = (
    f"mutation($id: ID!, $stars: Int!) {{ rateSession(id: $id, stars: $stars) {{ session {{ id status }} {ERRORS} }} }}"
)
DETAILS = f"query($id: ID!) {{ session(id: $id) {{ {SESSION} }} }}"

# A day far enough ahead that every time on it is in the future, named in IST as managers enter it.
DAY = date(utcnow().year + 2, 3, 2)


def ist(clock: str, day: date = DAY) -> str:
    """ "15:00" → the ISO instant of 3 pm IST on `day`, as a client sends startsAt."""
    return f"{day.isoformat()}T{clock}:00+05:30"


def utc(clock: str, day: date = DAY) -> str:
    return f"{day.isoformat()}T{clock}:00+00:00"


def from_now(**delta: float) -> str:
    return (utcnow().replace(microsecond=0) + timedelta(**delta)).isoformat()


def as_utc(iso: str) -> str:
    """The same instant as the API shows it (UTC)."""
    return datetime.fromisoformat(iso).astimezone(UTC).isoformat()


def session_form(mentor: User, **changes) -> dict:
    """A createSession input that is valid as it stands; keyword arguments replace its fields."""
    form = {
        "title": "Lesson planning",
        "description": "Planning a week of lessons.",
        "type": "PUBLIC",
        "mentorId": str(mentor.id),
        "startsAt": ist("15:00"),
        "durationMinutes": 60,
        "recommendedFor": ["Teachers"],
        "categories": ["Communication"],
        "medium": "English",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not ...}


async def mutate(graphql, document: str, **variables) -> dict:
    """The payload of a mutation that the server answered (with or without refusals)."""
    data = await graphql.execute(document, variables)
    (payload,) = data.values()
    return payload


def refusals(payload: dict) -> set[tuple[str | None, str]]:
    """(field, code) of every refusal; each also says in words what is wrong (R8)."""
    for error in payload["errors"]:
        assert len(error["message"]) > 20, error
    return {(error["field"], error["code"]) for error in payload["errors"]}


def messages(payload: dict) -> str:
    return " ".join(error["message"] for error in payload["errors"])


@dataclass
class Desk:
    """One organisation: its session manager, two mentors and three mentees."""

    org: Organization
    manager: User
    mentor: User
    other_mentor: User
    asha: User
    kiran: User
    meena: User


async def a_desk(name: str | None = None) -> Desk:
    org = await make_org(name)
    return Desk(
        org=org,
        manager=await make_user(org, "MANAGER", name="Maya Manager"),
        mentor=await make_user(org, "MENTOR", name="Ravi Kumar"),
        other_mentor=await make_user(org, "MENTOR", name="Sunita Iyer"),
        asha=await make_user(org, "MENTEE", name="Asha Rao"),
        kiran=await make_user(org, "MENTEE", name="Kiran Das"),
        meena=await make_user(org, "MENTEE", name="Meena Nair"),
    )


LIST = "{ sessions(pageSize: 100) { totalCount items { id title } } }"
FACET_CATEGORIES = "{ sessionFacets { categories { value count } } }"


async def create(graphql, mentor, **changes) -> dict:
    return await mutate(graphql, CREATE, input=session_form(mentor, **changes))


async def signed_in_desk(graphql):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    return desk


async def listed_titles(graphql) -> list[str]:
    return [item["title"] for item in (await graphql.execute(LIST))["sessions"]["items"]]


def without_id(payload: dict, session_id) -> list[dict]:
    return [{**e, "message": e["message"].replace(str(session_id), "<id>")} for e in payload["errors"]]


RENAME = """mutation($kind: VocabularyKind!, $from: String!, $to: String!) {
  renameVocabularyValue(kind: $kind, from: $from, to: $to) {
    vocabulary { categories recommendedFor mediums } errors { field code message } } }"""
