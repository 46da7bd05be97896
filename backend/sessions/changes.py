"""What a session manager does to sessions — create, edit, change the meeting, invite and remove
mentees, delete — as one plan/persist pipeline shared by GraphQL and the bulk upload.

`plan_*` checks an input against the rules (every problem reported, raised as `Refused`) and
describes the change, updating the `Directory` so later changes see it. `persist` writes a list of
planned changes with a fixed handful of statements and queues the emails (R9) in the same
transaction. The `*_session` functions at the bottom run one change in its own transaction.
"""

from __future__ import annotations

import asyncio
import random
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import count

from tortoise import Tortoise
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from backend.errors import ErrorCode, Refused
from backend.mail import reminders
from backend.mail.outbox import queued_together
from backend.models import (
    Attendance,
    AttendanceKind,
    LabelKind,
    MeetingPlatform,
    Session,
    SessionLabel,
    SessionStatus,
    SessionTimeZone,
    SessionType,
    User,
    VocabularyKind,
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


@dataclass
class Change:
    """One planned change of one session."""

    loaded: LoadedSession
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
    mentor: User | None = None
    replaced_image: str = ""  # the image file to delete once the change is committed
    # A bulk upload tells each mentor of their new sessions in one mail when it finishes, not one by one.
    mentor_told_later: bool = False

    @property
    def session(self) -> Session:
        return self.loaded.model


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


async def _check_invites(
    problems: Problems, directory: Directory, emails: list[str] | None, field: str
) -> list[User] | None:
    """The mentees named by email, all of them found in the organisation (unknown ones are reported,
    never dropped); None after reporting a problem."""
    wanted = rules.check_emails(problems, field, emails or [])
    found = await directory.mentees(wanted)
    unknown = [e for e, user in found.items() if user is None]
    if unknown:
        problems.add(
            field,
            ErrorCode.NOT_FOUND,
            (
                f"No mentee with the email {', '.join(unknown)} in your organisation; check the spelling, or add "
                "them as mentees first."
            ),
        )
        return None
    return [user for user in found.values() if user is not None]


def _check_seat_count(problems: Problems, seats: int, count: int, field: str) -> None:
    """R6: invited + enrolled fit within the seats limit; an invite beyond it is refused, never dropped."""
    if count > seats:
        problems.add(
            field,
            ErrorCode.SEATS_FULL,
            (
                f"This would put {count} mentees in a session with {seats} seats; invite {count - seats} fewer "
                "mentees or raise the seats limit."
            ),
        )


async def _check_booking(
    problems: Problems,
    directory: Directory,
    mentor: User,
    starts_at: datetime,
    ends_at: datetime,
    session_id: int | None,
) -> None:
    """R4: no overlapping or back-to-back session for the mentor."""
    clash = await directory.clash(mentor.id, starts_at, ends_at, session_id)
    if clash:
        problems.add(
            "startsAt", ErrorCode.MENTOR_BUSY, rules.clash_message(mentor, clash.title, clash.starts_at, clash.ends_at)
        )


def _meeting_values(problems: Problems, current: Session | None, meeting: MeetingInput | None, prefix: str) -> tuple:
    platform = (meeting and meeting.platform) or (
        current.meeting_platform if current else MeetingPlatform.BIG_BLUE_BUTTON
    )
    platform_changed = current is not None and platform != current.meeting_platform
    keep = current is not None and not platform_changed

    def pick(given: str | None, stored: str) -> str:
        return given.strip() if given is not None else (stored if keep else "")

    link = pick(meeting.link if meeting else None, current.meeting_link if current else "")
    passcode = pick(meeting.passcode if meeting else None, current.meeting_passcode if current else "")
    rules.check_meeting(problems, platform, link, passcode, prefix)
    return platform, link, passcode


async def _recommended_for(problems: Problems, directory: Directory, values: list[str] | None) -> list[str] | None:
    known = await directory.vocabulary(VocabularyKind.RECOMMENDED_FOR)
    return rules.clean_list(
        problems,
        "recommendedFor",
        values,
        "recommended for",
        "Teachers, Block education officer",
        known,
        VocabularyKind.RECOMMENDED_FOR,
    )


async def _categories(problems: Problems, directory: Directory, values: list[str] | None) -> list[str] | None:
    known = await directory.vocabulary(VocabularyKind.CATEGORY)
    return rules.clean_list(
        problems, "categories", values, "category", "Communication, Life skills", known, VocabularyKind.CATEGORY
    )


async def plan_create(actor: User, data: SessionInput, directory: Directory, now: datetime | None = None) -> Change:
    now = now or utcnow()
    data = replace(data, starts_at=rules.in_utc(data.starts_at))
    problems = Problems()
    if not actor.is_manager:
        problems.add(None, ErrorCode.PERMISSION_DENIED, rules.NOT_A_MANAGER)
        _refuse(problems)
    title = rules.clean_text(problems, "title", data.title, "title", rules.TITLE_MAX, "enter the topic of the session")
    description = rules.clean_text(
        problems,
        "description",
        data.description,
        "description",
        rules.DESCRIPTION_MAX,
        "describe what the session covers",
    )
    if data.type is None:
        problems.add("type", ErrorCode.REQUIRED, "The session type is required; choose Public or Private.")
    mentor = None
    if data.mentor_id is None and not (data.mentor_email or "").strip():
        problems.add(
            "mentorId", ErrorCode.REQUIRED, "The mentor is required; choose the mentor who will host the session."
        )
    else:
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
    if duration is None:
        problems.add(
            "durationMinutes", ErrorCode.REQUIRED, "The duration is required; enter it in minutes, for example 60."
        )
    else:
        rules.check_duration(problems, duration)
    recommended = await _recommended_for(problems, directory, data.recommended_for)
    categories = await _categories(problems, directory, data.categories)
    medium = rules.clean_medium(problems, data.medium, await directory.vocabulary(VocabularyKind.MEDIUM))
    platform, link, passcode = _meeting_values(problems, None, data.meeting, "meeting.")
    seats = data.seats_limit if data.seats_limit is not None else get_settings().seats_limit
    rules.check_seats(problems, seats, 0)
    invitees = await _check_invites(problems, directory, data.invite_emails, "inviteEmails")
    if invitees is not None:
        if not any(e.field == "seatsLimit" for e in problems.errors):  # a wrong limit is reported once
            _check_seat_count(problems, seats, len(invitees), "inviteEmails")
        if data.type == SessionType.PRIVATE and not invitees:
            problems.add(
                "inviteEmails",
                ErrorCode.REQUIRED,
                "A private session is one-on-one mentoring; invite at least one mentee, or make it Public.",
            )
    ends_at = data.starts_at + timedelta(minutes=duration) if data.starts_at and duration else None
    if mentor and ends_at and not any(e.field in ("startsAt", "durationMinutes") for e in problems.errors):
        await _check_booking(problems, directory, mentor, data.starts_at, ends_at, None)
    _refuse(problems)
    session = Session(
        organization_id=directory.organization_id,
        mentor_id=mentor.id,
        created_by_id=actor.id,
        title=title or "",
        description=description or "",
        type=data.type,
        status=SessionStatus.UPCOMING,
        starts_at=data.starts_at,
        ends_at=ends_at,
        duration_minutes=duration,
        time_zone=data.time_zone or SessionTimeZone.IST,
        medium=medium or "",
        meeting_platform=platform,
        meeting_link=link,
        meeting_passcode=passcode,
        seats_limit=seats,
        reminders_enabled=data.reminders_enabled if data.reminders_enabled is not None else True,
        scheduled_at=now,
        created_at=now,
        updated_at=now,
    )
    loaded = LoadedSession(
        model=session,
        labels={LabelKind.RECOMMENDED_FOR: recommended, LabelKind.CATEGORY: categories},
        attendees={m.id: (AttendanceKind.INVITED, m) for m in invitees},
    )
    _recount(loaded)
    directory.book(session)
    return Change(loaded=loaded, created=True, labels_changed=True, invited=list(invitees), mentor=mentor)


async def _editable(actor: User, session_id: int, directory: Directory, reason, notify: bool) -> Change:
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
            f"The type of a published session cannot change (it is {session.type.value.title()}); delete it and create a new one instead.",
        )
    if data.mentor_id is not None or (data.mentor_email or "").strip():
        named = await directory.mentor(id=data.mentor_id, email=data.mentor_email)
        if named is None or named.id != session.mentor_id:
            problems.add(
                "mentorId",
                ErrorCode.LOCKED,
                "The mentor of a published session cannot change; delete it and create a new session for the other mentor.",
            )
    values: dict = {}
    if data.title is not None:
        values["title"] = rules.clean_text(
            problems, "title", data.title, "title", rules.TITLE_MAX, "enter the topic of the session"
        )
    if data.description is not None:
        values["description"] = rules.clean_text(
            problems,
            "description",
            data.description,
            "description",
            rules.DESCRIPTION_MAX,
            "describe what the session covers",
        )
    if data.medium is not None:
        values["medium"] = rules.clean_medium(problems, data.medium, await directory.vocabulary(VocabularyKind.MEDIUM))
    if data.time_zone is not None:
        values["time_zone"] = data.time_zone
    if data.reminders_enabled is not None:
        values["reminders_enabled"] = data.reminders_enabled
    starts_at = data.starts_at or session.starts_at
    duration = data.duration_minutes if data.duration_minutes is not None else session.duration_minutes
    if data.starts_at is not None and (data.starts_at.tzinfo is None or data.starts_at != session.starts_at):
        rules.check_start(problems, data.starts_at, now)
        if data.starts_at.tzinfo is None:
            starts_at = session.starts_at
    if data.duration_minutes is not None:
        rules.check_duration(problems, data.duration_minutes)
    labels = {}
    if data.recommended_for is not None:
        labels[LabelKind.RECOMMENDED_FOR] = await _recommended_for(problems, directory, data.recommended_for)
    if data.categories is not None:
        labels[LabelKind.CATEGORY] = await _categories(problems, directory, data.categories)
    seats = data.seats_limit if data.seats_limit is not None else session.seats_limit
    if data.seats_limit is not None:
        values["seats_limit"] = data.seats_limit
    platform, link, passcode = _meeting_values(problems, session, data.meeting, "meeting.")
    invited_now = loaded.people(AttendanceKind.INVITED)
    invitees = invited_now
    if data.invite_emails is not None:
        invitees = await _check_invites(problems, directory, data.invite_emails, "inviteEmails")
    if invitees is not None:
        enrolled_only = [u for u in loaded.people(AttendanceKind.ENROLLED) if u.id not in {i.id for i in invitees}]
        total = len(invitees) + len(enrolled_only)
        if data.seats_limit is not None:
            rules.check_seats(problems, seats, total)
        else:
            _check_seat_count(problems, seats, total, "inviteEmails")
        if session.type == SessionType.PRIVATE and not invitees:
            problems.add(
                "inviteEmails",
                ErrorCode.REQUIRED,
                "A private session needs at least one invited mentee; keep one, or delete the session.",
            )
    moved = starts_at != session.starts_at or duration != session.duration_minutes
    if moved and not any(e.field in ("startsAt", "durationMinutes") for e in problems.errors):
        await _check_booking(
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
    platform, link, passcode = _meeting_values(problems, session, meeting, "")
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
    invitees = await _check_invites(problems, directory, emails, "emails")
    if invitees is not None:
        new = [u for u in invitees if u.id not in loaded.attendees]
        _check_seat_count(problems, loaded.model.seats_limit, len(loaded.attendees) + len(new), "emails")
    _refuse(problems)
    _replace_invited(change, loaded.people(AttendanceKind.INVITED) + new)
    return change


async def plan_remove(
    actor: User, session_id: int, mentee_ids: list[int], directory: Directory, *, notify: bool = True
) -> Change:
    change = await _editable(actor, session_id, directory, rules.edit_blocked_reason, notify)
    loaded = change.loaded
    mentee_ids = list(dict.fromkeys(mentee_ids))  # naming a mentee twice removes them once
    problems = Problems()
    if not mentee_ids:
        problems.add("menteeIds", ErrorCode.REQUIRED, "Choose at least one mentee to remove.")
    unknown = [i for i in mentee_ids if i not in loaded.attendees]
    if unknown:
        problems.add(
            "menteeIds",
            ErrorCode.NOT_FOUND,
            (
                f"Mentee ID {', '.join(map(str, unknown))} is not in this session; reload the mentee list and pick again."
            ),
        )
    remaining_invited = [
        u for k, u in loaded.attendees.values() if k == AttendanceKind.INVITED and u.id not in mentee_ids
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


# --- writing -----------------------------------------------------------------------------------


class ChangedMeanwhile(Exception):
    """Someone else changed the session between reading and writing it."""


async def _allocate_ids(count: int) -> list[int]:
    """IDs for new sessions up front, so their labels and mentees can be written in the same batch."""
    if not count:
        return []
    connection = Tortoise.get_connection("default")
    if connection.capabilities.dialect == "postgres":
        rows = await connection.execute_query_dict(
            "SELECT nextval(pg_get_serial_sequence('session', 'id')) AS id FROM generate_series(1, $1)", [count]
        )
        return [row["id"] for row in rows]
    # SQLite: writers are serialised (see `serialised`), so the next free IDs are ours.
    rows = await connection.execute_query_dict('SELECT COALESCE(MAX(id), 0) AS id FROM "session"')
    return list(range(rows[0]["id"] + 1, rows[0]["id"] + 1 + count))


def _labels_of(loaded: LoadedSession) -> list[SessionLabel]:
    return [
        SessionLabel(session_id=loaded.model.id, kind=kind, value=value, position=position)
        for kind, values in loaded.labels.items()
        for position, value in enumerate(values or [])
    ]


async def persist(changes: list[Change], now: datetime | None = None) -> None:
    """Write planned changes in a fixed number of statements (plus one per edited session); call it
    inside a transaction. Emails are queued in the same transaction (R9). At most one change per session
    in one call: each edit is checked against the `updated_at` it was planned from."""
    now = now or utcnow()
    for change in changes:
        _advance_calendar(change)
    created = [c for c in changes if c.created]
    for change, new_id in zip(created, await _allocate_ids(len(created))):
        change.session.id = new_id
        change.session._custom_generated_pk = True
    if created:
        await Session.bulk_create([c.session for c in created])
    for change in changes:
        if change.created or not change.fields:
            continue
        change.session.updated_at = now
        written = await Session.filter(id=change.session.id, updated_at=change.expected_updated_at).update(
            **{name: getattr(change.session, name) for name in change.fields | {"updated_at"}}
        )
        if not written:
            raise ChangedMeanwhile(change.session.id)
    relabelled = [c for c in changes if c.labels_changed]
    if relabelled:
        await SessionLabel.filter(session_id__in=[c.session.id for c in relabelled if not c.created]).delete()
        await SessionLabel.bulk_create([label for c in relabelled for label in _labels_of(c.loaded)])
    for change in changes:
        if change.removed:
            await Attendance.filter(session_id=change.session.id, mentee_id__in=[u.id for u in change.removed]).delete()
    invites = [
        Attendance(session_id=c.session.id, mentee_id=u.id, kind=AttendanceKind.INVITED)
        for c in changes
        for u in c.invited
    ]
    if invites:
        await Attendance.bulk_create(invites)
    async with queued_together():  # one statement for all the mail of the changes
        await _queue_emails(changes)
    await reminders.withdraw(changes)


def _advance_calendar(change: Change) -> None:
    """Raise the session's iCalendar SEQUENCE when calendars must apply this change (see mail/calendar.py):
    a new time, title, zone or meeting, a cancellation, or mentees taken off it."""
    if change.created:
        return
    if change.deleted or change.removed or change.fields & CALENDAR_FIELDS:
        change.session.calendar_sequence += 1
        change.fields.add("calendar_sequence")


async def _queue_emails(changes: list[Change]) -> None:
    from backend.mail import notifications

    for change in changes:
        session, mentor = change.session, change.mentor
        if change.created and not change.mentor_told_later:
            await notifications.notify_assigned(session, mentor)
        if not change.notify:
            continue
        # Newly invited mentees get the invitation, which already tells the new time and meeting.
        everyone = [u for u in change.loaded.people() if u not in change.invited]
        if change.invited:
            await notifications.notify_invited(session, mentor, change.invited)
        if change.removed:
            await notifications.notify_removed(session, mentor, change.removed)
        if change.deleted:
            await notifications.notify_deleted(session, mentor, everyone)
        elif change.rescheduled_from is not None:
            await notifications.notify_rescheduled(session, mentor, everyone, change.rescheduled_from)
        elif change.meeting_changed:
            await notifications.notify_meeting_changed(session, mentor, everyone)
        elif details := [label for name, label in CALENDAR_DETAILS if name in change.fields]:
            await notifications.notify_details_changed(session, mentor, everyone, " and ".join(details))


CALENDAR_DETAILS = (("title", "title"), ("time_zone", "time zone"))


_sqlite_writer = asyncio.Lock()


@asynccontextmanager
async def serialised():
    """One transaction for a change. On SQLite, changes of this process also take turns, so the R4
    check and the write cannot interleave; on PostgreSQL the exclusion constraint settles races."""
    if get_settings().is_postgres:
        async with in_transaction():
            yield
    else:
        async with _sqlite_writer, in_transaction():
            yield


BOOKED_MEANWHILE = (
    "The mentor was just booked for an overlapping or back-to-back time by someone else; choose another time."
)
CHANGED_MEANWHILE = "Someone else changed this session a moment ago; reload it and try again."
BUSY_MEANWHILE = "Others were changing the same sessions at this very moment; try again."

# PostgreSQL's "run it again": a deadlock or a serialisation failure. Two managers booking one mentor
# at once can deadlock on the exclusion constraint (each waits for the other's row); the change is
# planned afresh and then sees the other's booking.
RETRY_SQLSTATES = {"40P01", "40001"}
ATTEMPTS = 3


async def apply(plan, actor: User, *args, then=None, **kwargs) -> Session:
    """Plan and persist one change in its own transaction; refusals raise `Refused`. `then(change)`, if
    given, runs in the same transaction after the write (a bulk upload records the row's result there)."""
    for attempt in count(1):
        try:
            async with serialised():
                directory = Directory(actor.organization_id)
                change = await plan(actor, *args, directory, **kwargs)
                await persist([change])
                if then is not None:
                    await then(change)
            return change.session
        except IntegrityError as error:
            if "session_mentor_no_clash" in str(error):
                raise Refused([rules.UserError("startsAt", ErrorCode.MENTOR_BUSY, BOOKED_MEANWHILE)]) from error
            raise
        except ChangedMeanwhile:
            raise Refused([rules.UserError(None, ErrorCode.CONFLICT, CHANGED_MEANWHILE)])
        except Exception as error:
            if getattr(error, "sqlstate", None) not in RETRY_SQLSTATES:
                raise
            if attempt == ATTEMPTS:
                raise Refused([rules.UserError(None, ErrorCode.CONFLICT, BUSY_MEANWHILE)]) from error
            # Let the writer that went on finish first, or the next attempt may deadlock with it again.
            await asyncio.sleep(random.uniform(0.05, 0.2) * attempt)
