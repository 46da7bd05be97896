"""A list page read as plain rows (listing.SessionRow): the same values as the models, in one statement."""

from __future__ import annotations

import dataclasses

from backend.models import MeetingPlatform, Session, SessionStatus, SessionType, User
from backend.sessions import listing
from tests.support.factories import make_org, make_session, make_user


def test_a_listed_session_row_has_every_column_of_a_session(db):  # db: the ORM knows its key columns
    columns = {name for name in Session._meta.fields_map if name in Session._meta.fields_db_projection}
    assert set(listing.SESSION_COLUMNS) == columns
    nullable = {name for name in columns if Session._meta.fields_map[name].null}
    row_fields = {f.name: f for f in dataclasses.fields(listing.SessionRow)}
    assert {name for name in columns if "None" in str(row_fields[name].type)} == nullable


async def test_a_listed_session_holds_the_same_values_as_the_session_read_by_the_orm(db):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentor = await make_user(org, "MENTOR", name="Asha Rao")
    await make_session(org, mentor, title="Plain", platform=MeetingPlatform.ZOOM, type=SessionType.PRIVATE)
    await make_session(org, mentor, title="Started", status=SessionStatus.LIVE, reminders_enabled=False)

    page = await listing.session_page(manager, page_size=10)

    assert page.total_count == 2 and [row.title for row in page.items] == ["Plain", "Started"]
    for row in page.items:
        model = await Session.get(id=row.id).select_related("mentor__organization")
        assert {name: getattr(row, name) for name in listing.SESSION_COLUMNS} == {
            name: getattr(model, name) for name in listing.SESSION_COLUMNS
        }
        assert isinstance(row.status, SessionStatus) and isinstance(row.meeting_platform, MeetingPlatform)
        shown = (row.mentor.id, row.mentor.name, row.mentor.email, row.mentor.organization.name)
        assert shown == (mentor.id, "Asha Rao", mentor.email, org.name)


async def test_a_page_with_its_mentors_and_their_organisation_is_read_in_one_statement(db, sql_statements):
    org = await make_org()
    manager = await make_user(org, "MANAGER")
    mentors = [await make_user(org, "MENTOR") for _ in range(3)]
    for n in range(6):
        await make_session(org, mentors[n % 3], title=f"Session {n}")
    viewer = await User.get(id=manager.id)

    sql_statements.clear()
    page = await listing.session_page(viewer, page_size=5, counting=listing.Counting.NONE)

    assert len(page.items) == 5 and {row.mentor.id for row in page.items} == {m.id for m in mentors}
    assert len(sql_statements) == 1, sql_statements
