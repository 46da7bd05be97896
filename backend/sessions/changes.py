"""What a session manager does to sessions — create, edit, change the meeting, invite and remove
mentees, delete and restore — as one plan/persist pipeline shared by GraphQL and the bulk upload.

`plan_*` checks an input against the rules (every problem reported, raised as `Refused`) and
describes the change as a `Change`, updating the `Directory` so later changes see it. Each plan is a
few small steps that return what they found (None where a value was refused). The write side,
`writing.py`, persists planned changes (`persist`) or plans and persists one in its own transaction
(`apply`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from backend.db import new_model
from backend.errors import ErrorCode, Refused, UserError
from backend.events import SessionEventKind
from backend.models import (
    ActivityKind,
    AttendanceKind,
    LabelKind,
    MeetingPlatform,
    Session,
    SessionStatus,
    SessionTimeZone,
    SessionType,
    User,
    utcnow,
)
from backend.sessions import history, rules
from backend.sessions.directory import Directory, LoadedSession
from backend.sessions.rules import Details, MeetingInput, Problems, SessionInput
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
# Written along with a change, never a change of its own: the calendar SEQUENCE (mail/calendar.py), the version.
BOOKKEEPING_FIELDS = {"calendar_sequence", "version"}


@dataclass
class Change:
    """One planned change of one session."""

    loaded: LoadedSession
    mentor: User  # who hosts the session, even if they lost the mentor role since
    created: bool = False
    deleted: bool = False
    restored: bool = False
    fields: set[str] = field(default_factory=set)
    labels_changed: bool = False
    invited: list[User] = field(default_factory=list)
    removed: list[User] = field(default_factory=list)
    notify: bool = True
    rescheduled_from: datetime | None = None
    meeting_changed: bool = False
    # The version the change was planned from: it is written only over that version (see writing.persist).
    planned_version: int | None = None
    # The session's recorded values before the change, for its history (None for a new session).
    before: dict[str, object] | None = None
    replaced_image: str = ""  # the image file to delete once the change is committed
    row_number: int | None = None  # the bulk upload row it came from

    @property
    def session(self) -> Session:
        return self.loaded.model

    @property
    def changed_anything(self) -> bool:
        return self.created or bool(self.fields - BOOKKEEPING_FIELDS) or self.labels_changed

    def event_kind(self) -> SessionEventKind | None:
        """How the change, once written, reads to a live-updates subscriber; None when it changed nothing."""
        if self.created or self.restored:  # a restored session appears in the lists again
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

    def activity_kind(self) -> ActivityKind:
        kinds = {
            SessionEventKind.CREATED: ActivityKind.RESTORED if self.restored else ActivityKind.CREATED,
            SessionEventKind.DELETED: ActivityKind.DELETED,
            SessionEventKind.MEETING_UPDATED: ActivityKind.MEETING_CHANGED,
            SessionEventKind.MENTEES_CHANGED: ActivityKind.MENTEES_CHANGED,
        }
        return kinds.get(self.event_kind() or SessionEventKind.UPDATED, ActivityKind.UPDATED)

    def history_entry(self) -> history.Entry | None:
        """The change as its history records it (written with the session's new version); None when it
        changed nothing."""
        if not self.changed_anything:
            return None
        after = history.snapshot(self.loaded)
        before = self.before if self.before is not None else {}
        if self.created:  # a new session's history shows what it was made with
            after = {name: value for name, value in after.items() if value not in ("", [], None)}
        return history.Entry(
            self.session.id,
            self.activity_kind(),
            self.session.version,
            history.differences(before, after),
            self.row_number,
        )


class Stale(Refused):
    """The change was asked of a version of the session that is not its current one; `session` is the
    session as it is now."""

    def __init__(self, errors: list[UserError], session: Session) -> None:
        super().__init__(errors)
        self.session = session


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


# --- small steps: each checks one thing and returns what passed (None where it was refused) ----------------


def _checked(problems: Problems, check: Callable[[Problems], None]) -> bool:
    """Runs one check into `problems`; whether it found nothing."""
    found = Problems()
    check(found)
    problems.errors += found.errors
    return not found


def _valid_start(problems: Problems, starts_at: datetime | None, now: datetime) -> datetime | None:
    """R5 for a start that is given (a missing one is reported as required)."""
    if starts_at is None:
        problems.add("startsAt", ErrorCode.REQUIRED, "The date and time are required; enter when the session starts.")
        return None
    return starts_at if _checked(problems, lambda p: rules.check_start(p, starts_at, now)) else None


def _valid_duration(minutes: int | None) -> int | None:
    """The duration when it is usable (its problems are reported by `rules.clean_details`)."""
    if minutes is None:
        return None
    return minutes if _checked(Problems(), lambda p: rules.check_duration(p, minutes)) else None


def _valid_seats(problems: Problems, seats: int, taken: int) -> int | None:
    return seats if _checked(problems, lambda p: rules.check_seats(p, seats, taken)) else None


async def _new_mentor(problems: Problems, data: SessionInput, directory: Directory) -> User | None:
    if data.mentor_id is None and not (data.mentor_email or "").strip():
        problems.add(
            "mentorId", ErrorCode.REQUIRED, "The mentor is required; choose the mentor who will host the session."
        )
        return None
    if not rules.check_plain_text(problems, "mentorId", data.mentor_email, "mentor's email"):
        return None
    mentor = await directory.mentor(id=data.mentor_id, email=data.mentor_email)
    if mentor is None:
        named = data.mentor_email or f"ID {data.mentor_id}"
        problems.add(
            "mentorId",
            ErrorCode.NOT_FOUND,
            f"No mentor {named} in your organisation; check it, or give the person the mentor role first.",
        )
    return mentor


async def _new_invitees(
    problems: Problems, data: SessionInput, directory: Directory, seats: int | None
) -> list[User] | None:
    """The mentees a new session invites: known, fitting its seats (R6), at least one for a private one."""
    invitees = await rules.check_invites(problems, directory, data.invite_emails, "inviteEmails")
    if invitees is None:
        return None
    if seats is not None:  # a wrong limit is reported once, by `_valid_seats`
        rules.check_seat_count(problems, seats, len(invitees), "inviteEmails")
    if data.type == SessionType.PRIVATE and not invitees:
        problems.add(
            "inviteEmails",
            ErrorCode.REQUIRED,
            "A private session is one-on-one mentoring; invite at least one mentee, or make it Public.",
        )
    return invitees


def _new_session(
    actor: User,
    directory: Directory,
    data: SessionInput,
    details: Details,
    mentor: User,
    meeting: tuple[Any, ...],
    now: datetime,
) -> Session:
    assert data.starts_at is not None and data.duration_minutes is not None and data.type is not None
    platform, link, passcode = meeting
    return new_model(
        Session,
        id=None,
        organization_id=directory.organization_id,
        mentor_id=mentor.id,
        created_by_id=actor.id,
        title=details.title or "",
        description=details.description or "",
        type=data.type,
        status=SessionStatus.UPCOMING,
        starts_at=data.starts_at,
        ends_at=data.starts_at + timedelta(minutes=data.duration_minutes),
        duration_minutes=data.duration_minutes,
        time_zone=data.time_zone or SessionTimeZone.IST,
        medium=details.medium or "",
        meeting_platform=platform,
        meeting_link=link,
        meeting_passcode=passcode,
        seats_limit=data.seats_limit if data.seats_limit is not None else get_settings().seats_limit,
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
        version=1,
    )


def _manager(actor: User) -> None:
    if not actor.is_manager:
        raise Refused([UserError(None, ErrorCode.PERMISSION_DENIED, rules.NOT_A_MANAGER)])


async def plan_create(actor: User, data: SessionInput, directory: Directory, now: datetime | None = None) -> Change:
    now = now or utcnow()
    data = replace(data, starts_at=rules.in_utc(data.starts_at))
    _manager(actor)
    problems = Problems()
    details = await rules.clean_details(problems, data, directory, only_given=False)
    if data.type is None:
        problems.add("type", ErrorCode.REQUIRED, "The session type is required; choose Public or Private.")
    mentor = await _new_mentor(problems, data, directory)
    starts_at = _valid_start(problems, data.starts_at, now)
    duration = _valid_duration(data.duration_minutes)
    meeting = rules.clean_meeting(problems, None, data.meeting, "meeting.")
    seats = _valid_seats(problems, get_settings().seats_limit if data.seats_limit is None else data.seats_limit, 0)
    invitees = await _new_invitees(problems, data, directory, seats)
    if mentor and starts_at and duration:
        await rules.check_booking(problems, directory, mentor, starts_at, starts_at + timedelta(minutes=duration), None)
    _refuse(problems)
    # No problem reported means every required value was given and found.
    assert mentor is not None and invitees is not None
    session = _new_session(actor, directory, data, details, mentor, meeting, now)
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
    expected_version: int | None = None,
) -> Change:
    """A change of an existing session that the rule `reason` allows now, asked of its current version."""
    loaded = await directory.session(session_id, for_update=True)
    # Only managers see every session; others must not learn that a session they cannot see exists.
    if loaded is None or not (actor.is_manager or await visible_sessions(actor).filter(id=session_id).exists()):
        raise _not_found(session_id)
    if expected_version is not None and expected_version != loaded.model.version:
        raise await stale(actor, loaded, expected_version)
    problems = Problems()
    rules.blocked(problems, reason(actor, loaded.model))
    _refuse(problems)
    return await _change_of(loaded, directory, notify)


async def _change_of(loaded: LoadedSession, directory: Directory, notify: bool) -> Change:
    # The mentor role may have been taken away since; the session keeps its mentor all the same.
    mentor = await directory.mentor(id=loaded.model.mentor_id) or await User.get(id=loaded.model.mentor_id)
    return Change(
        loaded=loaded,
        notify=notify,
        planned_version=loaded.model.version,
        before=history.snapshot(loaded),
        mentor=mentor,
    )


async def stale(viewer: User, loaded: LoadedSession, expected_version: int) -> Stale:
    """STALE: who changed which fields of the session since `expected_version`, and when, and what they hold now."""
    session = loaded.model
    told = history.what_changed(viewer, session, await history.changed_since(session, expected_version), loaded)
    errors = [
        UserError(
            t.field,
            ErrorCode.STALE,
            rules.bounded(
                f"{t.who} changed {t.what}; it is now {t.now}; reload it to see theirs, or make your change again "
                f"from version {session.version} (expectedVersion, or a bulk file's Version cell) to replace it."
            ),
        )
        for t in told
    ]
    return Stale(
        errors
        or [
            UserError(
                None,
                ErrorCode.STALE,
                f"This session changed since version {expected_version} (it is at version {session.version}); "
                "reload it to see the changes, or make your change again from that version to replace them.",
            )
        ],
        session,
    )


# --- an edit --------------------------------------------------------------------------------------


def _unchangeable(problems: Problems, session: Session, data: SessionInput, named: User | None) -> None:
    """R7: type and mentor are fixed once published."""
    if data.type is not None and data.type != session.type:
        problems.add(
            "type",
            ErrorCode.LOCKED,
            f"The type of a published session cannot change (it is {session.type.value.title()}); "
            "delete it and create a new one instead.",
        )
    if (data.mentor_id is not None or (data.mentor_email or "").strip()) and (
        named is None or named.id != session.mentor_id
    ):
        problems.add(
            "mentorId",
            ErrorCode.LOCKED,
            "The mentor of a published session cannot change; delete it and create a new session for the other mentor.",
        )


def _given_values(data: SessionInput, details: Details) -> dict[str, object]:
    """The plain values an edit gives: None means not given."""
    given = {
        "title": details.title,
        "description": details.description,
        "medium": details.medium,
        "time_zone": data.time_zone,
        "reminders_enabled": data.reminders_enabled,
        "seats_limit": data.seats_limit,
    }
    return {name: value for name, value in given.items() if value is not None}


def _given_labels(details: Details) -> dict[LabelKind, list[str]]:
    given = ((LabelKind.RECOMMENDED_FOR, details.recommended_for), (LabelKind.CATEGORY, details.categories))
    return {kind: values for kind, values in given if values is not None}


def _new_start(problems: Problems, session: Session, data: SessionInput, now: datetime) -> datetime | None:
    """The start after the edit: a new one must lie in the future (R5); None when it is refused."""
    if data.starts_at is None or (data.starts_at.tzinfo is not None and data.starts_at == session.starts_at):
        return session.starts_at
    return _valid_start(problems, data.starts_at, now)


async def _edited_invitees(
    problems: Problems, loaded: LoadedSession, data: SessionInput, directory: Directory
) -> list[User] | None:
    """The invited mentees after the edit (R6 and a private session's one mentee checked); None if refused."""
    session = loaded.model
    invitees: list[User] | None = loaded.people(AttendanceKind.INVITED)
    if data.invite_emails is not None:
        invitees = await rules.check_invites(problems, directory, data.invite_emails, "inviteEmails")
    if invitees is None:
        return None
    invited_ids = {i.id for i in invitees}
    total = len(invitees) + len([u for u in loaded.people(AttendanceKind.ENROLLED) if u.id not in invited_ids])
    seats = data.seats_limit if data.seats_limit is not None else session.seats_limit
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
    return invitees


def _set_meeting(change: Change, meeting: tuple[MeetingPlatform, str, str]) -> None:
    """The meeting change, in one place for an edit and a meeting change (R2)."""
    session = change.session
    if meeting != (session.meeting_platform, session.meeting_link, session.meeting_passcode):
        session.meeting_platform, session.meeting_link, session.meeting_passcode = meeting
        change.fields.update(MEETING_FIELDS)
        change.meeting_changed = True


def _move(change: Change, directory: Directory, starts_at: datetime, duration: int, now: datetime) -> dict[str, Any]:
    """The values of a new time, its booking moved in the directory."""
    session = change.session
    directory.unbook(session)
    change.rescheduled_from = session.starts_at
    return {
        "starts_at": starts_at,
        "duration_minutes": duration,
        "ends_at": starts_at + timedelta(minutes=duration),
        "scheduled_at": now,
    }


def _set_values(change: Change, values: dict[str, object]) -> None:
    for name, value in values.items():
        if getattr(change.session, name) != value:
            setattr(change.session, name, value)
            change.fields.add(name)


def _set_labels(change: Change, labels: dict[LabelKind, list[str]]) -> None:
    for kind, new in labels.items():
        if new != change.loaded.labels.get(kind, []):
            change.loaded.labels[kind] = new
            change.labels_changed = True


async def plan_update(
    actor: User,
    session_id: int,
    data: SessionInput,
    directory: Directory,
    *,
    notify: bool = True,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Change:
    """R1, R4–R7 for an edit; a given inviteEmails list becomes the new invited list."""
    now = now or utcnow()
    data = replace(data, starts_at=rules.in_utc(data.starts_at))
    change = await _editable(actor, session_id, directory, rules.edit_blocked_reason, notify, expected_version)
    session = change.session
    problems = Problems()
    named = await directory.mentor(id=data.mentor_id, email=data.mentor_email) if _names_mentor(data) else None
    _unchangeable(problems, session, data, named)
    details = await rules.clean_details(problems, data, directory, only_given=True)
    new_start = _new_start(problems, session, data, now)
    starts_at = new_start or session.starts_at
    duration = data.duration_minutes if data.duration_minutes is not None else session.duration_minutes
    meeting = rules.clean_meeting(problems, session, data.meeting, "meeting.")
    invitees = await _edited_invitees(problems, change.loaded, data, directory)
    moved = (starts_at, duration) != (session.starts_at, session.duration_minutes)
    if moved and new_start and _valid_duration(duration):
        end = starts_at + timedelta(minutes=duration)
        await rules.check_booking(problems, directory, change.mentor, starts_at, end, session.id)
    _refuse(problems)

    values = _given_values(data, details)
    if moved:
        values.update(_move(change, directory, starts_at, duration, now))
    _set_values(change, values)
    if moved:
        directory.book(session)
    _set_meeting(change, meeting)
    _set_labels(change, _given_labels(details))
    if data.invite_emails is not None:
        assert invitees is not None  # refused above otherwise
        _replace_invited(change, invitees)
    return change


def _names_mentor(data: SessionInput) -> bool:
    return data.mentor_id is not None or bool((data.mentor_email or "").strip())


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
    actor: User,
    session_id: int,
    meeting: MeetingInput,
    directory: Directory,
    *,
    notify: bool = True,
    expected_version: int | None = None,
) -> Change:
    """R2: the meeting can change while upcoming or live."""
    change = await _editable(actor, session_id, directory, rules.meeting_edit_blocked_reason, notify, expected_version)
    problems = Problems()
    cleaned = rules.clean_meeting(problems, change.session, meeting, "")
    _refuse(problems)
    _set_meeting(change, cleaned)
    return change


async def plan_delete(
    actor: User,
    session_id: int,
    directory: Directory,
    *,
    notify: bool = True,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Change:
    """R3: only upcoming sessions are deleted; the record stays (soft delete) but leaves every list."""
    change = await _editable(actor, session_id, directory, rules.delete_blocked_reason, notify, expected_version)
    change.session.deleted_at = now or utcnow()
    change.deleted = True
    change.fields.add("deleted_at")
    directory.unbook(change.session)
    directory.sessions[session_id] = None
    return change


async def plan_invite(
    actor: User,
    session_id: int,
    emails: list[str],
    directory: Directory,
    *,
    notify: bool = True,
    expected_version: int | None = None,
) -> Change:
    change = await _editable(actor, session_id, directory, rules.edit_blocked_reason, notify, expected_version)
    loaded = change.loaded
    problems = Problems()
    if not [e for e in emails if e.strip()]:
        problems.add("emails", ErrorCode.REQUIRED, "Give the email of at least one mentee to invite.")
    invitees = await rules.check_invites(problems, directory, emails, "emails")
    new = [u for u in invitees or [] if u.id not in loaded.attendees]
    if invitees is not None:
        rules.check_seat_count(problems, loaded.model.seats_limit, len(loaded.attendees) + len(new), "emails")
    _refuse(problems)
    _replace_invited(change, loaded.people(AttendanceKind.INVITED) + new)
    return change


def _check_removal(problems: Problems, loaded: LoadedSession, mentee_ids: list[int]) -> None:
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
    removing = set(mentee_ids)
    remaining_invited = [
        u for k, u in loaded.attendees.values() if k == AttendanceKind.INVITED and u.id not in removing
    ]
    if loaded.model.type == SessionType.PRIVATE and not remaining_invited:
        problems.add(
            "menteeIds",
            ErrorCode.REQUIRED,
            "A private session needs at least one invited mentee; invite another mentee before removing the last one.",
        )


async def plan_remove(
    actor: User,
    session_id: int,
    mentee_ids: list[int],
    directory: Directory,
    *,
    notify: bool = True,
    expected_version: int | None = None,
) -> Change:
    change = await _editable(actor, session_id, directory, rules.edit_blocked_reason, notify, expected_version)
    loaded = change.loaded
    problems = Problems()
    if rules.too_many(problems, "menteeIds", len(mentee_ids), rules.MENTEE_IDS_MAX, "mentee IDs", "one removal"):
        _refuse(problems)
    mentee_ids = list(dict.fromkeys(mentee_ids))  # naming a mentee twice removes them once
    _check_removal(problems, loaded, mentee_ids)
    _refuse(problems)
    for mentee_id in mentee_ids:
        change.removed.append(loaded.attendees.pop(mentee_id)[1])
    _recount(loaded)
    change.fields.update(COUNT_FIELDS)
    return change


async def plan_image(
    actor: User,
    session_id: int,
    image_path: str,
    directory: Directory,
    *,
    notify: bool = False,
    expected_version: int | None = None,
) -> Change:
    """R1 applies: the image is a session detail. `image_path` is the stored new image, or "" to remove it."""
    change = await _editable(actor, session_id, directory, rules.edit_blocked_reason, notify, expected_version)
    change.replaced_image, change.session.image_path = change.session.image_path, image_path
    change.fields.add("image_path")
    return change


# --- restoring a deleted session -----------------------------------------------------------------------


def _not_restorable(session_id: int) -> Refused:
    return Refused(
        [
            UserError(
                "id",
                ErrorCode.NOT_FOUND,
                f"There is no deleted session with ID {session_id} in your organisation; "
                "check the ID in the Recently deleted list.",
            )
        ]
    )


async def _check_restorable(problems: Problems, change: Change, directory: Directory, now: datetime) -> None:
    """A deleted session comes back while it is still in the trash, in the future, its mentor free (R4) and
    its mentees within its seats (R6)."""
    session, keep_days = change.session, get_settings().trash_keep_days
    assert session.deleted_at is not None
    if session.deleted_at < now - timedelta(days=keep_days):
        problems.add(
            "id",
            ErrorCode.NOT_EDITABLE,
            f"This session was deleted {rules.when(session.deleted_at)}, more than {keep_days} days ago "
            "(TRASH_KEEP_DAYS), so it can no longer be restored; create it again instead.",
        )
    if session.starts_at <= now:
        problems.add(
            "startsAt",
            ErrorCode.IN_PAST,
            f"This session was to start {rules.when(session.starts_at)}, which has passed, so it cannot be "
            "restored; create a new session instead.",
        )
    else:
        await rules.check_booking(problems, directory, change.mentor, session.starts_at, session.ends_at, session.id)
    rules.check_seat_count(problems, session.seats_limit, len(change.loaded.attendees), "seatsLimit")


async def plan_restore(
    actor: User, session_id: int, directory: Directory, *, notify: bool = True, now: datetime | None = None
) -> Change:
    """Undo a delete: see `_check_restorable`."""
    now = now or utcnow()
    _manager(actor)
    loaded = await directory.deleted_session(session_id)
    if loaded is None:
        raise _not_restorable(session_id)
    change = await _change_of(loaded, directory, notify)
    problems = Problems()
    await _check_restorable(problems, change, directory, now)
    _refuse(problems)
    change.session.deleted_at = None
    change.restored = True
    change.fields.add("deleted_at")
    directory.sessions[session_id] = loaded
    directory.book(change.session)
    return change
