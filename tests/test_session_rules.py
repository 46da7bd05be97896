"""The rules engine below the API: single-field checks (rules.py), what the Directory knows and how
planned changes see each other (directory.py, changes.py) — the parts the bulk upload relies on too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from backend.errors import ErrorCode, Refused
from backend.models import (
    ActivityChannel,
    LabelKind,
    MeetingPlatform,
    Session,
    SessionStatus,
    SessionType,
    User,
    VocabularyKind,
    utcnow,
)
from backend.sessions import rules, writing
from backend.sessions.changes import plan_create, plan_delete, plan_update
from backend.sessions.directory import Directory
from backend.sessions.history import Origin
from backend.sessions.rules import Problems, SessionInput
from backend.sessions.writing import ChangedMeanwhile, persist
from tests.support.factories import make_session, make_user
from tests.support.session_requests import a_desk

NOW = datetime(2030, 6, 1, 6, 0, tzinfo=UTC)
IST = timezone(timedelta(hours=5, minutes=30))


def found(problems: Problems) -> set[tuple[str | None, ErrorCode]]:
    return {(e.field, e.code) for e in problems.errors}


# --- rules.py: one field at a time -----------------------------------------------------------------


def test_text_is_trimmed_and_blank_text_is_required():
    problems = Problems()

    assert (
        rules.clean_text(problems, "title", "  Lesson planning \n", "title", 200, "enter the topic")
        == "Lesson planning"
    )
    assert rules.clean_text(problems, "title", " \t ", "title", 200, "enter the topic") is None
    assert rules.clean_text(problems, "title", None, "title", 200, "enter the topic") is None

    assert [(e.field, e.code) for e in problems.errors] == [("title", ErrorCode.REQUIRED)] * 2
    assert problems.errors[0].message == "The title is required; enter the topic."


def test_text_over_its_limit_says_how_long_it_is_and_the_limit():
    problems = Problems()

    assert rules.clean_text(problems, "title", "x" * 201, "title", 200, "enter the topic") is None

    assert problems.errors[0].code == ErrorCode.INVALID
    assert problems.errors[0].message == "The title has 201 characters; shorten it to 200 or fewer."


def test_a_label_list_keeps_the_list_spelling_of_each_value_once_and_needs_one():
    problems = Problems()
    known = ["Maths", "Art and craft"]

    def clean(values: list[str]) -> list[str] | None:
        return rules.clean_list(problems, "categories", values, "category", "Art", known, VocabularyKind.CATEGORY)

    assert clean([" maths ", "MATHS", "", "ART-AND-CRAFT"]) == ["Maths", "Art and craft"]
    assert problems.errors == []
    assert clean(["  ", ""]) is None
    assert clean(["y" * 101]) is None

    assert found(problems) == {("categories", ErrorCode.REQUIRED), ("categories", ErrorCode.INVALID)}


@pytest.mark.parametrize("starts_at,code", [
    (NOW + timedelta(minutes=1), None),
    (NOW, ErrorCode.IN_PAST),
    (NOW - timedelta(days=1), ErrorCode.IN_PAST),
    (datetime(2030, 6, 2, 10, 0), ErrorCode.INVALID),  # no time zone
])  # fmt: skip
def test_a_start_must_be_a_future_instant_with_a_zone(starts_at, code):
    problems = Problems()

    rules.check_start(problems, starts_at, NOW)

    assert [e.code for e in problems.errors] == ([code] if code else [])


def test_a_past_start_is_shown_to_people_in_the_display_zone():
    problems = Problems()

    rules.check_start(problems, datetime(2030, 5, 31, 11, 30, tzinfo=UTC), NOW)

    assert (
        problems.errors[0].message
        == "The start 31-05-2030 17:00 IST is in the past; choose a date and time in the future."
    )


def test_instants_are_kept_in_utc_whatever_zone_they_came_in():
    assert rules.in_utc(datetime(2030, 6, 1, 17, 0, tzinfo=IST)) == datetime(2030, 6, 1, 11, 30, tzinfo=UTC)
    assert rules.in_utc(datetime(2030, 6, 1, 17, 0, tzinfo=IST)).utcoffset() == timedelta(0)
    assert rules.in_utc(None) is None
    assert rules.in_utc(datetime(2030, 6, 1, 17, 0)) == datetime(2030, 6, 1, 17, 0)


@pytest.mark.parametrize("minutes,ok", [(29, False), (30, True), (60, True), (1440, True), (1441, False), (0, False)])
def test_a_duration_is_between_30_minutes_and_a_day(minutes, ok):
    problems = Problems()

    rules.check_duration(problems, minutes)

    assert (not problems) is ok


@pytest.mark.parametrize("seats,taken,code", [
    (20, 0, None), (1, 1, None), (1000, 0, None),
    (0, 0, ErrorCode.INVALID), (1001, 0, ErrorCode.INVALID), (2, 3, ErrorCode.SEATS_FULL),
])  # fmt: skip
def test_a_seats_limit_fits_the_mentees_already_in(seats, taken, code):
    problems = Problems()

    rules.check_seats(problems, seats, taken)

    assert [e.code for e in problems.errors] == ([code] if code else [])


@pytest.mark.parametrize("platform,link,passcode,expected", [
    (MeetingPlatform.BIG_BLUE_BUTTON, "", "", set()),
    (MeetingPlatform.GOOGLE_MEET, "https://meet.google.com/abc-defg-hij", "", set()),
    (MeetingPlatform.GOOGLE_MEET, "https://MEET.GOOGLE.COM/abc", "", set()),
    (MeetingPlatform.ZOOM, "https://zoom.us/j/1", "p", set()),
    (MeetingPlatform.ZOOM, "https://us06web.zoom.us/j/1?pwd=x", "p", set()),
    (MeetingPlatform.ZOOM, "https://evilzoom.us/j/1", "p", {("meeting.link", ErrorCode.INVALID)}),
    (MeetingPlatform.ZOOM, "https://zoom.us.evil.example/j/1", "p", {("meeting.link", ErrorCode.INVALID)}),
    (MeetingPlatform.ZOOM, "https://user@evil.example/zoom.us", "p", {("meeting.link", ErrorCode.INVALID)}),
    (MeetingPlatform.GOOGLE_MEET, "meet.google.com/abc", "", {("meeting.link", ErrorCode.INVALID)}),
    (MeetingPlatform.GOOGLE_MEET, "javascript:alert(1)//meet.google.com", "", {("meeting.link", ErrorCode.INVALID)}),
    (MeetingPlatform.GOOGLE_MEET, "", "", {("meeting.link", ErrorCode.REQUIRED)}),
    (MeetingPlatform.BIG_BLUE_BUTTON, "https://meet.google.com/abc", "", {("meeting.link", ErrorCode.INVALID)}),
    (MeetingPlatform.GOOGLE_MEET, "https://meet.google.com/abc", "1", {("meeting.passcode", ErrorCode.INVALID)}),
    (MeetingPlatform.ZOOM, "https://zoom.us/j/1", "", {("meeting.passcode", ErrorCode.REQUIRED)}),
])  # fmt: skip
def test_a_meeting_link_is_an_https_link_on_its_platform_and_only_zoom_has_a_passcode(
    platform, link, passcode, expected
):
    problems = Problems()

    rules.check_meeting(problems, platform, link, passcode)

    assert found(problems) == expected


def test_a_wrong_meeting_link_is_answered_with_an_example_of_a_right_one():
    problems = Problems()

    rules.check_meeting(problems, MeetingPlatform.GOOGLE_MEET, "https://zoom.us/j/1", "")

    assert problems.errors[0].message == (
        "“https://zoom.us/j/1” is not a Google Meet link; it must be an https link such as https://meet.google.com/abc-defg-hij."
    )


def test_mentee_emails_are_lower_cased_and_merged_and_malformed_ones_are_reported():
    problems = Problems()

    emails = rules.check_emails(
        problems,
        "inviteEmails",
        [" Asha@Example.org", "asha@example.org", "", "kiran@example.org", "not-an-email", "a@b"],
    )

    assert emails == ["asha@example.org", "kiran@example.org"]
    # Several malformed addresses make one message naming them (the first five, then "and N more").
    assert [(e.field, e.code, e.message) for e in problems.errors] == [
        (
            "inviteEmails",
            ErrorCode.INVALID,
            "“not-an-email”, “a@b” are not email addresses; write each like name@example.org.",
        ),
    ]


@pytest.mark.parametrize("status,edit,meeting,delete", [
    (SessionStatus.UPCOMING, True, True, True),
    (SessionStatus.LIVE, False, True, False),
    (SessionStatus.COMPLETED, False, False, False),
])  # fmt: skip
def test_what_a_manager_may_do_follows_the_status(status, edit, meeting, delete):
    manager, session = User(is_manager=True), Session(status=status)

    assert (rules.edit_blocked_reason(manager, session) is None) is edit
    assert (rules.meeting_edit_blocked_reason(manager, session) is None) is meeting
    assert (rules.delete_blocked_reason(manager, session) is None) is delete


def test_a_mentor_or_mentee_is_told_only_managers_change_sessions():
    for person in (User(is_mentor=True), User(is_mentee=True)):
        session = Session(status=SessionStatus.UPCOMING)
        reasons = {rules.edit_blocked_reason(person, session), rules.meeting_edit_blocked_reason(person, session),
                   rules.delete_blocked_reason(person, session)}  # fmt: skip
        assert reasons == {rules.NOT_A_MANAGER}
        problems = Problems()
        assert rules.blocked(problems, rules.NOT_A_MANAGER)
        assert found(problems) == {(None, ErrorCode.PERMISSION_DENIED)}


# --- directory.py: R4 from the database and from what is already loaded ------------------------------

BOOKED = [(10, 0, 60), (13, 0, 30), (15, 0, 120)]  # a mentor's day: 10–11, 13–13:30, 15–17 UTC
CASES = [
    # (start hour, minute, minutes, the hours of the bookings it clashes with)
    (11, 1, 30, set()), (11, 0, 30, {10}), (9, 0, 60, {10}), (8, 0, 59, set()), (9, 30, 600, {10, 13, 15}),
    (12, 0, 60, {13}), (12, 0, 59, set()), (13, 10, 35, {13}), (13, 31, 30, set()), (14, 0, 60, {15}),
    (16, 0, 30, {15}), (17, 0, 30, {15}), (17, 1, 30, set()), (6, 0, 60, set()),
]  # fmt: skip


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2030, 7, 1, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize("preloaded", [False, True], ids=["from the database", "from loaded bookings"])
async def test_a_clash_is_any_booking_touching_or_overlapping_the_closed_interval(db, preloaded):
    desk = await a_desk()
    booked = {hour: await make_session(desk.org, desk.mentor, starts_at=at(hour, minute), duration=minutes)
              for hour, minute, minutes in BOOKED}  # fmt: skip
    await make_session(desk.org, desk.mentor, starts_at=at(11, 10), duration=30, deleted_at=utcnow())
    await make_session(desk.org, desk.mentor, starts_at=at(12, 0), duration=30, status=SessionStatus.COMPLETED)
    await make_session(desk.org, desk.other_mentor, starts_at=at(8, 0), duration=60)
    directory = Directory(desk.org.id)
    if preloaded:
        await directory.load_bookings([desk.mentor.id])

    for hour, minute, minutes, expected in CASES:
        starts_at = at(hour, minute)
        clash = await directory.clash(desk.mentor.id, starts_at, starts_at + timedelta(minutes=minutes), None)
        if expected:
            assert clash is not None and clash.session_id in {booked[h].id for h in expected}, (hour, minute, minutes)
        else:
            assert clash is None, (hour, minute, minutes)


@pytest.mark.parametrize("preloaded", [False, True], ids=["from the database", "from loaded bookings"])
async def test_a_session_never_clashes_with_itself(db, preloaded):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, starts_at=at(10), duration=60)
    directory = Directory(desk.org.id)
    if preloaded:
        await directory.load_bookings([desk.mentor.id])

    assert await directory.clash(desk.mentor.id, at(10, 30), at(11, 30), session.id) is None
    assert await directory.clash(desk.mentor.id, at(10, 30), at(11, 30), None) is not None


# --- changes.py: plans see the plans before them (what makes a CSV row see the rows above it) --------


def form(desk, starts_at: datetime, **changes) -> SessionInput:
    values = dict(
        title="Lesson planning", description="Planning lessons.", type=SessionType.PUBLIC,
        mentor_email=desk.mentor.email, starts_at=starts_at, duration_minutes=60,
        recommended_for=["Teachers"], categories=["Communication"], medium="English",
    )  # fmt: skip
    values.update(changes)
    return SessionInput(**values)


async def test_a_mentor_named_by_email_in_any_case_hosts_the_session(db):
    desk = await a_desk()

    change = await plan_create(
        desk.manager,
        form(desk, at(10), mentor_email=f"  {desk.mentor.email.upper()} "),
        Directory(desk.org.id),
        now=NOW,
    )

    assert change.session.mentor_id == desk.mentor.id


async def test_a_second_planned_session_in_the_same_slot_clashes_with_the_first_before_either_is_saved(db):
    desk = await a_desk()
    directory = Directory(desk.org.id)
    await directory.preload(mentor_emails=[desk.mentor.email])

    await plan_create(desk.manager, form(desk, at(10)), directory, now=NOW)
    with pytest.raises(Refused) as refused:
        await plan_create(desk.manager, form(desk, at(11)), directory, now=NOW)

    assert [(e.field, e.code) for e in refused.value.errors] == [("startsAt", ErrorCode.MENTOR_BUSY)]
    assert await Session.all().count() == 0


async def test_a_planned_delete_or_move_frees_the_slot_for_the_next_plan(db):
    desk = await a_desk()
    deleted = await make_session(desk.org, desk.mentor, starts_at=at(10))
    moved = await make_session(desk.org, desk.mentor, starts_at=at(14))
    directory = Directory(desk.org.id)
    await directory.preload(session_ids=[deleted.id, moved.id], mentor_emails=[desk.mentor.email])

    await plan_delete(desk.manager, deleted.id, directory)
    await plan_update(desk.manager, moved.id, SessionInput(starts_at=at(18)), directory, now=NOW)

    await plan_create(desk.manager, form(desk, at(10)), directory, now=NOW)
    await plan_create(desk.manager, form(desk, at(14)), directory, now=NOW)
    with pytest.raises(Refused):
        await plan_create(desk.manager, form(desk, at(18, 30)), directory, now=NOW)


async def test_after_preloading_planning_many_sessions_asks_the_database_nothing(db, sql_statements):
    desk = await a_desk()
    directory = Directory(desk.org.id)
    await directory.preload(mentor_emails=[desk.mentor.email], mentee_emails=[desk.asha.email])
    sql_statements.clear()

    for day in range(40):
        await plan_create(
            desk.manager, form(desk, at(10) + timedelta(days=day), invite_emails=[desk.asha.email]), directory, now=NOW
        )

    assert sql_statements == []


@pytest.mark.parametrize("count", [2, 30])
async def test_saving_planned_sessions_takes_the_same_few_statements_for_2_or_30(db, sql_statements, count):
    desk = await a_desk()
    directory = Directory(desk.org.id)
    await directory.preload(mentor_emails=[desk.mentor.email], mentee_emails=[desk.asha.email])
    changes = [
        await plan_create(
            desk.manager, form(desk, at(10) + timedelta(days=d), invite_emails=[desk.asha.email]), directory, now=NOW
        )
        for d in range(count)
    ]
    sql_statements.clear()

    for change in changes:
        change.notify = False  # the invitation emails are one row per mentee; here only the sessions count
    await persist(changes, Origin.of(desk.manager, ActivityChannel.API))

    assert len(sql_statements) <= 6  # sessions, labels, invitations, history, mail, reminders
    assert await Session.all().count() == count


async def test_the_type_and_mentor_of_a_published_session_are_locked(db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, type=SessionType.PUBLIC)

    with pytest.raises(Refused) as refused:
        locked = SessionInput(type=SessionType.PRIVATE, mentor_email=desk.other_mentor.email)
        await plan_update(desk.manager, session.id, locked, Directory(desk.org.id), now=NOW)

    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("type", ErrorCode.LOCKED),
        ("mentorId", ErrorCode.LOCKED),
    ]
    assert "cannot change" in refused.value.errors[0].message


async def test_repeating_the_same_type_and_mentor_in_an_edit_is_no_change(db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, type=SessionType.PUBLIC)

    same = SessionInput(type=SessionType.PUBLIC, mentor_email=desk.mentor.email.upper())
    change = await plan_update(desk.manager, session.id, same, Directory(desk.org.id), now=NOW)

    assert change.fields == set()


async def test_naming_an_unknown_mentor_while_moving_a_session_is_refused_as_locked(db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, starts_at=at(10))

    with pytest.raises(Refused) as refused:
        await plan_update(desk.manager, session.id, SessionInput(mentor_email="nobody@example.test", starts_at=at(12)),
                          Directory(desk.org.id), now=NOW)  # fmt: skip

    assert [(e.field, e.code) for e in refused.value.errors] == [("mentorId", ErrorCode.LOCKED)]


async def test_a_change_saved_by_someone_else_in_between_is_not_overwritten(db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor)
    change = await plan_update(desk.manager, session.id, SessionInput(title="Mine"), Directory(desk.org.id), now=NOW)
    await Session.filter(id=session.id).update(title="Theirs", version=session.version + 1)

    with pytest.raises(ChangedMeanwhile):
        await persist([change], Origin.of(desk.manager, ActivityChannel.API))

    assert (await Session.get(id=session.id)).title == "Theirs"


async def test_labels_saved_by_someone_else_in_between_are_not_overwritten(db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, categories=("Pedagogy",))
    stale = await plan_update(
        desk.manager, session.id, SessionInput(categories=["Communication"]), Directory(desk.org.id), now=NOW
    )
    # Someone else's edit of the categories alone, through the same write path, is saved first.
    theirs = SessionInput(categories=["Pedagogy", "Leadership"])
    other = await make_user(desk.org, "MANAGER")
    await writing.apply(
        lambda d: plan_update(other, session.id, theirs, d, now=NOW), Origin.of(other, ActivityChannel.API)
    )

    with pytest.raises(ChangedMeanwhile):
        async with writing.serialised():
            await persist([stale], Origin.of(desk.manager, ActivityChannel.API))

    reloaded = await Directory(desk.org.id).session(session.id)
    assert reloaded is not None and reloaded.labels[LabelKind.CATEGORY] == ["Pedagogy", "Leadership"]


async def test_an_upcoming_session_keeps_its_mentor_after_the_mentor_role_is_taken_away(db):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, starts_at=at(10))
    await User.filter(id=desk.mentor.id).update(is_mentor=False)

    change = await plan_update(
        desk.manager, session.id, SessionInput(starts_at=at(12)), Directory(desk.org.id), now=NOW
    )

    assert (change.mentor.id, change.session.starts_at) == (desk.mentor.id, at(12))
