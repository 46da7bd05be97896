"""What a session manager does to sessions — create, edit, change the meeting, invite and remove
mentees, delete — as one plan/persist pipeline shared by GraphQL and the bulk upload.

`plan_*` checks an input against the rules (every problem reported, raised as `Refused`) and
describes the change as a `Change`, updating the `Directory` so later changes see it. The write side,
`writing.py`, persists planned changes (`persist`) or plans and persists one in its own transaction
(`apply`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from backend.db import new_model
from backend.errors import ErrorCode, Refused
from backend.events import SessionEventKind
from backend.models import (
    AttendanceKind,
    LabelKind,
    Session,
    SessionStatus,
    SessionTimeZone,
    SessionType,
    User,
    utcnow,
)
from backend.sessions import rules
from backend.sessions.directory import Directory, LoadedSession
from backend.sessions.rules import MeetingInput, Problems, SessionInput
from backend.sessions.visibility import visible_sessions
from backend.settings import get_settings

# What a calendar shows of a session: a change of any of these is sent with a higher SEQUENCE.
CALENDAR_FIELDS = {
    "title",
    "starts_at",
    "duration_minutes",
    "time_zone",
    "meeting_platform",
    "meeting_link",
    "meeting_passcode",
}
DETAIL_FIELDS = (
    "title",
    "description",
    "starts_at",
    "ends_at",
    "duration_minutes",
    "time_zone",
    "medium",
    "seats_limit",
)
MEETING_FIELDS = ("meeting_platform", "meeting_link", "meeting_passcode")
COUNT_FIELDS = ("enrolled_count", "invited_count", "mentee_count")
# Written along with a change, never a change of its own: the calendar SEQUENCE (mail/calendar.py).
BOOKKEEPING_FIELDS = {"calendar_sequence"}


@dataclass
class Change:
    """One planned change of one session."""

    loaded: LoadedSession
    mentor: User  # who hosts the session, even if they lost the mentor role since
    created: bool = False
    deleted: bool = False
    fields: set[str] = field(default_factory=set)
    labels_changed: bool = False
    invited: list[User] = field(default_factory=list)
    removed: list[User] = field(default_factory=list)
    notify: bool = True
    rescheduled_from: datetime | None = None
    meeting_changed: bool = False
    expected_updated_at: datetime | None = None
    replaced_image: str = ""  # the image file to delete once the change is committed

    @property
    def session(self) -> Session:
        return self.loaded.model

    def event_kind(self) -> SessionEventKind | None:
        """How the change, once written, reads to a live-updates subscriber; None when it changed nothing."""
        if self.created:
            return SessionEventKind.CREATED
        if self.deleted:
            return SessionEventKind.DELETED
        fields = self.fields - BOOKKEEPING_FIELDS
        if not fields and not self.labels_changed:
            return None
        if not self.labels_changed and fields <= set(MEETING_FIELDS):
            return SessionEventKind.MEETING_UPDATED
        if not self.labels_changed and fields <= set(COUNT_FIELDS):
            return SessionEventKind.MENTEES_CHANGED
        return SessionEventKind.UPDATED


def _refuse(problems: Problems) -> None:
    if problems:
        raise Refused(problems.errors)


def _not_found(session_id: int) -> Refused:
    return Refused(
        [
            rules.UserError(
                "id",
                ErrorCode.NOT_FOUND,
                f"There is no session with ID {session_id} in your organisation; check the ID in the session list.",
            )
        ]
    )


def _recount(loaded: LoadedSession) -> None:
    session = loaded.model
    session.invited_count = len(loaded.people(AttendanceKind.INVITED))
    session.enrolled_count = len(loaded.people(AttendanceKind.ENROLLED))
    session.mentee_count = session.invited_count + session.enrolled_count


async def plan_create(actor: User, data: SessionInput, directory: Directory, now: datetime | None = None) -> Change:
    now = now or utcnow()
    data = replace(data, starts_at=rules.in_utc(data.starts_at))
    problems = Problems()
    if not actor.is_manager:
        problems.add(None, ErrorCode.PERMISSION_DENIED, rules.NOT_A_MANAGER)
        _refuse(problems)
    details = await rules.clean_details(problems, data, directory, only_given=False)
    if data.type is None:
        problems.add("type", ErrorCode.REQUIRED, "The session type is required; choose Public or Private.")
    mentor = None
    if data.mentor_id is None and not (data.mentor_email or "").strip():
        problems.add(
            "mentorId", ErrorCode.REQUIRED, "The mentor is required; choose the mentor who will host the session."
        )
    elif rules.check_plain_text(problems, "mentorId", data.mentor_email, "mentor's email"):
        mentor = await directory.mentor(id=data.mentor_id, email=data.mentor_email)
        if mentor is None:
            named = data.mentor_email or f"ID {data.mentor_id}"
            problems.add(
                "mentorId",
                ErrorCode.NOT_FOUND,
                (f"No mentor {named} in your organisation; check it, or give the person the mentor role first."),
            )
    if data.starts_at is None:
        problems.add("startsAt", ErrorCode.REQUIRED, "The date and time are required; enter when the session starts.")
    else:
        rules.check_start(problems, data.starts_at, now)
    duration = data.duration_minutes
    platform, link, passcode = rules.clean_meeting(problems, None, data.meeting, "meeting.")
    seats = data.seats_limit if data.seats_limit is not None else get_settings().seats_limit
    rules.check_seats(problems, seats, 0)
    invitees = await rules.check_invites(problems, directory, data.invite_emails, "inviteEmails")
    if invitees is not None:
        if not any(e.field == "seatsLimit" for e in problems.errors):  # a wrong limit is reported once
            rules.check_seat_count(problems, seats, len(invitees), "inviteEmails")
        if data.type == SessionType.PRIVATE and not invitees:
            problems.add(
                "inviteEmails",
                ErrorCode.REQUIRED,
                "A private session is one-on-one mentoring; invite at least one mentee, or make it Public.",
            )
    starts_at = data.starts_at
    timed = not any(e.field in ("startsAt", "durationMinutes") for e in problems.errors)
    ends_at = starts_at + timedelta(minutes=duration) if starts_at and duration and timed else None
    if mentor and starts_at and ends_at:
        await rules.check_booking(problems, directory, mentor, starts_at, ends_at, None)
    _refuse(problems)
    # No problem reported means every required value was given and found.
    assert mentor is not None and starts_at is not None and ends_at is not None and duration is not None
    assert data.type is not None and invitees is not None
    session = new_model(
        Session,
        id=None,
        organization_id=directory.organization_id,
        mentor_id=mentor.id,
        created_by_id=actor.id,
        title=details.title or "",
        description=details.description or "",
        type=data.type,
        status=SessionStatus.UPCOMING,
        starts_at=starts_at,
        ends_at=ends_at,
        duration_minutes=duration,
        time_zone=data.time_zone or SessionTimeZone.IST,
        medium=details.medium or "",
        meeting_platform=platform,
        meeting_link=link,
        meeting_passcode=passcode,
        seats_limit=seats,
        reminders_enabled=data.reminders_enabled if data.reminders_enabled is not None else True,
        enrolled_count=0,
        invited_count=0,
        mentee_count=0,
        image_path="",
        calendar_sequence=0,
        scheduled_at=now,
        created_at=now,
        updated_at=now,
        started_at=None,
        completed_at=None,
        deleted_at=None,
    )
    loaded = LoadedSession(
        model=session,
        labels={LabelKind.RECOMMENDED_FOR: details.recommended_for or [], LabelKind.CATEGORY: details.categories or []},
        attendees={m.id: (AttendanceKind.INVITED, m) for m in invitees},
    )
    _recount(loaded)
    directory.book(session)
    return Change(loaded=loaded, created=True, labels_changed=True, invited=list(invitees), mentor=mentor)


async def _editable(
    actor: User,
    session_id: int,
    directory: Directory,
    reason: Callable[[User, Session], str | None],
    notify: bool,
) -> Change:
    """A change of an existing session that the rule `reason` allows now."""
    loaded = await directory.session(session_id, for_update=True)
    # Only managers see every session; others must not learn that a session they cannot see exists.
    if loaded is None or not (actor.is_manager or await visible_sessions(actor).filter(id=session_id).exists()):
        raise _not_found(session_id)
    problems = Problems()
    rules.blocked(problems, reason(actor, loaded.model))
    _refuse(problems)
    # The mentor role may have been taken away since; the session keeps its mentor all the same.
    mentor = await directory.mentor(id=loaded.model.mentor_id) or await User.get(id=loaded.model.mentor_id)
    return Change(loaded=loaded, notify=notify, expected_updated_at=loaded.model.updated_at, mentor=mentor)


async def plan_update(
    actor: User,
    session_id: int,
    data: SessionInput,
    directory: Directory,
    *,
    notify: bool = True,
    now: datetime | None = None,
) -> Change:
    """R1, R4–R7 for an edit; a given inviteEmails list becomes the new invited list."""
    now = now or utcnow()
    data = replace(data, starts_at=rules.in_utc(data.starts_at))
    change = await _editable(actor, session_id, directory, rules.edit_blocked_reason, notify)
    loaded, session, mentor = change.loaded, change.session, change.mentor
    problems = Problems()
    if data.type is not None and data.type != session.type:
        problems.add(
            "type",
            ErrorCode.LOCKED,
            f"The type of a published session cannot change (it is {session.type.value.title()}); "
            "delete it and create a new one instead.",
        )
    if data.mentor_id is not None or (data.mentor_email or "").strip():
        named = await directory.mentor(id=data.mentor_id, email=data.mentor_email)
        if named is None or named.id != session.mentor_id:
            problems.add(
                "mentorId",
                ErrorCode.LOCKED,
                "The mentor of a published session cannot change; "
                "delete it and create a new session for the other mentor.",
            )
    details = await rules.clean_details(problems, data, directory, only_given=True)
    values: dict[str, object] = {
        name: value
        for name, value in (("title", details.title), ("description", details.description), ("medium", details.medium))
        if value is not None
    }
    if data.time_zone is not None:
        values["time_zone"] = data.time_zone
    if data.reminders_enabled is not None:
        values["reminders_enabled"] = data.reminders_enabled
    starts_at = data.starts_at or session.starts_at
    duration = data.duration_minutes if data.duration_minutes is not None else session.duration_minutes
    if data.starts_at is not None and (data.starts_at.tzinfo is None or data.starts_at != session.starts_at):
        rules.check_start(problems, data.starts_at, now)
        if any(e.field == "startsAt" for e in problems.errors):
            starts_at = session.starts_at
    labels = {
        kind: values
        for kind, values in (
            (LabelKind.RECOMMENDED_FOR, details.recommended_for),
            (LabelKind.CATEGORY, details.categories),
        )
        if values is not None
    }
    seats = data.seats_limit if data.seats_limit is not None else session.seats_limit
    if data.seats_limit is not None:
        values["seats_limit"] = data.seats_limit
    platform, link, passcode = rules.clean_meeting(problems, session, data.meeting, "meeting.")
    invited_now = loaded.people(AttendanceKind.INVITED)
    invitees: list[User] | None = invited_now
    if data.invite_emails is not None:
        invitees = await rules.check_invites(problems, directory, data.invite_emails, "inviteEmails")
    if invitees is not None:
        enrolled_only = [u for u in loaded.people(AttendanceKind.ENROLLED) if u.id not in {i.id for i in invitees}]
        total = len(invitees) + len(enrolled_only)
        if data.seats_limit is not None:
            rules.check_seats(problems, seats, total)
        else:
            rules.check_seat_count(problems, seats, total, "inviteEmails")
        if session.type == SessionType.PRIVATE and not invitees:
            problems.add(
                "inviteEmails",
                ErrorCode.REQUIRED,
                "A private session needs at least one invited mentee; keep one, or delete the session.",
            )
    moved = starts_at != session.starts_at or duration != session.duration_minutes
    if moved and not any(e.field in ("startsAt", "durationMinutes") for e in problems.errors):
        await rules.check_booking(
            problems, directory, mentor, starts_at, starts_at + timedelta(minutes=duration), session.id
        )
    _refuse(problems)

    if moved:
        directory.unbook(session)
        change.rescheduled_from = session.starts_at
        values.update(
            starts_at=starts_at,
            duration_minutes=duration,
            ends_at=starts_at + timedelta(minutes=duration),
            scheduled_at=now,
        )
    for name, value in values.items():
        if getattr(session, name) != value:
            setattr(session, name, value)
            change.fields.add(name)
    if moved:
        directory.book(session)
    if (platform, link, passcode) != (session.meeting_platform, session.meeting_link, session.meeting_passcode):
        session.meeting_platform, session.meeting_link, session.meeting_passcode = platform, link, passcode
        change.fields.update(MEETING_FIELDS)
        change.meeting_changed = True
    for kind, new in labels.items():
        if new != loaded.labels.get(kind, []):
            loaded.labels[kind] = new
            change.labels_changed = True
    if data.invite_emails is not None:
        assert invitees is not None  # refused above otherwise
        _replace_invited(change, invitees)
    return change


def _replace_invited(change: Change, invitees: list[User]) -> None:
    loaded = change.loaded
    wanted = {u.id for u in invitees}
    for mentee_id, (kind, user) in list(loaded.attendees.items()):
        if kind == AttendanceKind.INVITED and mentee_id not in wanted:
            del loaded.attendees[mentee_id]
            change.removed.append(user)
    for user in invitees:
        if user.id not in loaded.attendees:
            loaded.attendees[user.id] = (AttendanceKind.INVITED, user)
            change.invited.append(user)
    if change.invited or change.removed:
        _recount(loaded)
        change.fields.update(COUNT_FIELDS)


async def plan_meeting(
    actor: User, session_id: int, meeting: MeetingInput, directory: Directory, *, notify: bool = True
) -> Change:
    """R2: the meeting can change while upcoming or live."""
    change = await _editable(actor, session_id, directory, rules.meeting_edit_blocked_reason, notify)
    session = change.session
    problems = Problems()
    platform, link, passcode = rules.clean_meeting(problems, session, meeting, "")
    _refuse(problems)
    if (platform, link, passcode) != (session.meeting_platform, session.meeting_link, session.meeting_passcode):
        session.meeting_platform, session.meeting_link, session.meeting_passcode = platform, link, passcode
        change.fields.update(MEETING_FIELDS)
        change.meeting_changed = True
    return change


async def plan_delete(
    actor: User, session_id: int, directory: Directory, *, notify: bool = True, now: datetime | None = None
) -> Change:
    """R3: only upcoming sessions are deleted; the record stays (soft delete) but leaves every list."""
    change = await _editable(actor, session_id, directory, rules.delete_blocked_reason, notify)
    change.session.deleted_at = now or utcnow()
    change.deleted = True
    change.fields.add("deleted_at")
    directory.unbook(change.session)
    directory.sessions[session_id] = None
    return change


async def plan_invite(
    actor: User, session_id: int, emails: list[str], directory: Directory, *, notify: bool = True
) -> Change:
    change = await _editable(actor, session_id, directory, rules.edit_blocked_reason, notify)
    loaded = change.loaded
    problems = Problems()
    if not [e for e in emails if e.strip()]:
        problems.add("emails", ErrorCode.REQUIRED, "Give the email of at least one mentee to invite.")
    invitees = await rules.check_invites(problems, directory, emails, "emails")
    if invitees is not None:
        new = [u for u in invitees if u.id not in loaded.attendees]
        rules.check_seat_count(problems, loaded.model.seats_limit, len(loaded.attendees) + len(new), "emails")
    _refuse(problems)
    _replace_invited(change, loaded.people(AttendanceKind.INVITED) + new)
    return change


async def plan_remove(
    actor: User, session_id: int, mentee_ids: list[int], directory: Directory, *, notify: bool = True
) -> Change:
    change = await _editable(actor, session_id, directory, rules.edit_blocked_reason, notify)
    loaded = change.loaded
    problems = Problems()
    if rules.too_many(problems, "menteeIds", len(mentee_ids), rules.MENTEE_IDS_MAX, "mentee IDs", "one removal"):
        _refuse(problems)
    mentee_ids = list(dict.fromkeys(mentee_ids))  # naming a mentee twice removes them once
    removing = set(mentee_ids)
    if not mentee_ids:
        problems.add("menteeIds", ErrorCode.REQUIRED, "Choose at least one mentee to remove.")
    unknown = [str(i) for i in mentee_ids if i not in loaded.attendees]
    if unknown:
        problems.add(
            "menteeIds",
            ErrorCode.NOT_FOUND,
            f"Mentee ID {rules.listed(unknown)} {'is' if len(unknown) == 1 else 'are'} not in this session; "
            "reload the mentee list and pick again.",
        )
    remaining_invited = [
        u for k, u in loaded.attendees.values() if k == AttendanceKind.INVITED and u.id not in removing
    ]
    if loaded.model.type == SessionType.PRIVATE and not remaining_invited:
        problems.add(
            "menteeIds",
            ErrorCode.REQUIRED,
            "A private session needs at least one invited mentee; invite another mentee before removing the last one.",
        )
    _refuse(problems)
    for mentee_id in mentee_ids:
        change.removed.append(loaded.attendees.pop(mentee_id)[1])
    _recount(loaded)
    change.fields.update(COUNT_FIELDS)
    return change


async def plan_image(
    actor: User, session_id: int, image_path: str, directory: Directory, *, notify: bool = False
) -> Change:
    """R1 applies: the image is a session detail. `image_path` is the stored new image, or "" to remove it."""
    change = await _editable(actor, session_id, directory, rules.edit_blocked_reason, notify)
    change.replaced_image, change.session.image_path = change.session.image_path, image_path
    change.fields.add("image_path")
    return change
