"""Who sees what, decided here and nowhere else: which sessions a person may see (`visible_sessions` as a
query, `may_see_session` for a session already read), which of a session's sensitive fields they may see
(`may_see`), and who may use the bulk-edit files (`may_use_bulk_files`). Every output — the GraphQL types,
every CSV download, every e-mail — asks here.

`OUTPUT_CHANNELS` lists every output that carries session data; tests/test_who_sees_what.py checks each of
them for every role and every field of `SensitiveField`, and fails on an output or a field it has no row for.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import Enum
from typing import Protocol

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from backend.models import Attendance, Session, SessionType, User


class SensitiveField(Enum):
    """Fields of a session that not everyone who sees the session may see."""

    MEETING_LINK = "meeting link"
    MEETING_PASSCODE = "meeting passcode"
    MENTEES = "mentee names and e-mails"


# The Session columns behind each sensitive field, and the columns shown to whoever sees the session. A new
# column must be put in one of the two (the who-sees-what test checks). Mentees live in the attendance table.
SENSITIVE_COLUMNS = {
    "meeting_link": SensitiveField.MEETING_LINK,
    "meeting_passcode": SensitiveField.MEETING_PASSCODE,
}
PUBLIC_COLUMNS = frozenset(
    [
        "id",
        "organization_id",
        "mentor_id",
        "created_by_id",
        "title",
        "description",
        "type",
        "status",
        "starts_at",
        "ends_at",
        "duration_minutes",
        "time_zone",
        "medium",
        "meeting_platform",
        "seats_limit",
        "enrolled_count",
        "invited_count",
        "mentee_count",
        "image_path",
        "created_at",
        "updated_at",
        "started_at",
        "completed_at",
        "deleted_at",
        "calendar_sequence",
        "reminders_enabled",
        "scheduled_at",
        "version",
    ]
)


class OutputChannel(Enum):
    """Every way session data leaves the app. Adding one here (or a route, a GraphQL field or a mail that is
    not mapped to one) fails the who-sees-what test until it has its rows."""

    GRAPHQL = "GraphQL Session type (session, sessions, mentor.sessions, mutation payloads)"
    GRAPHQL_SESSION_EVENTS = "GraphQL subscription sessionEvents (graphql-transport-ws on /graphql)"
    SESSIONS_CSV = "GET /exports/sessions.csv"
    SESSIONS_BULK_CSV = "GET /exports/sessions.csv?format=bulk"
    MENTEES_CSV = "GET /exports/sessions/{id}/mentees.csv"
    BULK_RESULT_CSV = "GET /bulk-uploads/{id}/result.csv"
    BULK_SAMPLE_CSV = "GET /bulk-upload/sample.csv"
    MAIL_INVITED = "mail: invited"
    MAIL_RESCHEDULED = "mail: rescheduled"
    MAIL_MEETING_CHANGED = "mail: new meeting details"
    MAIL_DELETED = "mail: cancelled"
    MAIL_REMOVED = "mail: removed"
    MAIL_BULK_RESULT = "mail: bulk upload finished (result file attached)"
    MAIL_ASSIGNED = "mail: new session to mentor"
    MAIL_ASSIGNED_FROM_UPLOAD = "mail: news of several sessions at once (a bulk upload's), an event each"
    MAIL_SUMMARY = "mail: news of more sessions than one mail carries: a summary with links"
    MAIL_DETAILS_CHANGED = "mail: updated (title or time zone)"
    MAIL_REMINDER = "mail: reminder before the start"
    CALENDAR_FEED = "GET /calendar/{token}.ics"
    GRAPHQL_ACTIVITY = "GraphQL Session.history and Query.activity (the history of changes)"
    ACTIVITY_CSV = "GET /exports/activity.csv"
    MAIL_RESTORED = "mail: back on (a deleted session restored)"


OUTPUT_CHANNELS = list(OutputChannel)

BULK_FILES_FOR_MANAGERS = (
    "The bulk upload and its files (the sample, result files and the bulk-edit export, which hold meeting "
    "links, passcodes and mentees' e-mails) are for session managers only; ask a session manager of your "
    "organisation."
)


class SessionRef(Protocol):
    """What the rules need to know of a session: whose it is."""

    organization_id: int
    mentor_id: int


class SessionFacts(SessionRef, Protocol):
    """What `may_see_session` needs to know of a session besides its mentees."""

    type: SessionType

    @property
    def deleted_at(self) -> object | None: ...


def visible_sessions(viewer: User, *, include_deleted: bool = False) -> QuerySet[Session]:
    """Sessions of the viewer's organisation that are not deleted and that the viewer's roles reach.
    `include_deleted`: deleted ones too (whom to tell that a session they saw was deleted)."""
    query = Session.filter(organization_id=viewer.organization_id)
    if not include_deleted:
        query = query.filter(deleted_at__isnull=True)
    if viewer.is_manager:
        return query
    reach = Q(id=-1)  # a viewer with no role sees nothing
    if viewer.is_mentor:
        reach |= Q(mentor_id=viewer.id)
    if viewer.is_mentee:
        reach |= Q(type=SessionType.PUBLIC) | attended_by(viewer)
    return query.filter(reach)


def may_see_session(
    viewer: User, session: SessionFacts, mentee_ids: Collection[int], *, include_deleted: bool = False
) -> bool:
    """`visible_sessions`, asked of one session already read (`mentee_ids`: its invited and enrolled
    mentees): the live updates read a changed session once and ask this for each subscriber. Kept next to
    the query it must agree with; tests/test_live_visibility.py checks the two for every role."""
    if session.organization_id != viewer.organization_id:
        return False
    if session.deleted_at is not None and not include_deleted:
        return False
    if viewer.is_manager:
        return True
    if viewer.is_mentor and session.mentor_id == viewer.id:
        return True
    return viewer.is_mentee and (session.type == SessionType.PUBLIC or viewer.id in mentee_ids)


def attended_by(viewer: User) -> Q:
    """The sessions the viewer is invited to or enrolled in."""
    return Q(id__in=Subquery(Attendance.filter(mentee_id=viewer.id).values("session_id")))


def participating_sessions(viewer: User) -> QuerySet[Session]:
    """The sessions the viewer sees and takes part in: a manager's organisation's, a mentor's own and a
    mentee's invited or enrolled ones (not every public one). The calendar feed lists these."""
    if viewer.is_manager:
        return visible_sessions(viewer)
    reach = Q(id=-1)
    if viewer.is_mentor:
        reach |= Q(mentor_id=viewer.id)
    if viewer.is_mentee:
        reach |= attended_by(viewer)
    return visible_sessions(viewer).filter(reach)


def may_see(viewer: User | None, field: SensitiveField, session: SessionRef, attends: bool) -> bool:
    """May this viewer see this field of this session (which they see)? `attends`: the viewer is invited
    to or enrolled in it.

    - Mentees (names and e-mails): the organisation's managers and the session's mentor.
    - Meeting link and passcode: those, and the session's own mentees (invited or enrolled).
    Nobody outside the session's organisation, and nobody signed out, sees either."""
    if viewer is None or viewer.organization_id != session.organization_id:
        return False
    if viewer.is_manager or viewer.id == session.mentor_id:
        return True
    if field in (SensitiveField.MEETING_LINK, SensitiveField.MEETING_PASSCODE):
        return attends
    return False


def may_use_bulk_files(viewer: User) -> bool:
    """The bulk upload and the bulk-edit export carry every sensitive field of many sessions at once: they
    are a manager's tools (a manager sees every field of the organisation's sessions)."""
    return viewer.is_manager
