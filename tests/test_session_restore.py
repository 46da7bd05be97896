"""Undo for deletes: restoreSession brings back a deleted session while it is in the trash, in the future,
its mentor free (R4) and its mentees within its seats; Recently deleted lists the trash; a bulk upload's
deletions are restored row by row. Restoring tells mentor and mentees and is in the history."""

from __future__ import annotations

from datetime import datetime, timedelta

from backend.bulk_upload import job
from backend.mail import reminders
from backend.mail.sender import deliver_pending
from backend.models import Activity, OutboxMessage, Session, utcnow
from tests.support.bulk_upload import csv_bytes, people, row, upload
from tests.support.calendar_parts import the_event
from tests.support.factories import make_session
from tests.support.session_requests import DELETE, ERRORS, a_desk, ist, mutate

RESTORE = f"""
mutation($id: ID!) {{ restoreSession(id: $id) {{ session {{ id title version deletedAt }} {ERRORS} }} }}"""
TRASH = """
query($page: Int! = 1, $pageSize: Int! = 20) {
  deletedSessions(page: $page, pageSize: $pageSize) { totalCount items { id title deletedAt } }
}"""
LIST = "{ sessions(pageSize: 100) { items { id } } }"
RESTORE_UPLOAD = f"""
mutation($id: ID!) {{
  restoreBulkUploadDeletions(uploadId: $id) {{ rows {{ rowNumber sessionId session {{ id }} {ERRORS} }} {ERRORS} }}
}}"""
TO_RESTORE = "query($id: ID!) { bulkUpload(id: $id) { deletedSessionsToRestore } }"


async def deleted(graphql, session) -> None:
    assert (await mutate(graphql, DELETE, id=str(session.id), notify=False))["errors"] == []


async def test_a_deleted_session_is_restored_and_listed_again(graphql, db):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    session = await make_session(desk.org, desk.mentor, title="Mis-clicked")
    await deleted(graphql, session)

    payload = await mutate(graphql, RESTORE, id=str(session.id))

    assert payload["errors"] == [] and payload["session"]["deletedAt"] is None
    assert payload["session"]["version"] == 3  # deleted, then restored
    assert str(session.id) in [i["id"] for i in (await graphql.execute(LIST))["sessions"]["items"]]
    kinds = await Activity.filter(session_id=session.id).order_by("id").values_list("kind", flat=True)
    assert kinds == ["DELETED", "RESTORED"]


async def test_recently_deleted_lists_the_trash_newest_first_within_trash_keep_days(graphql, db):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    first = await make_session(desk.org, desk.mentor, title="First")
    second = await make_session(desk.org, desk.mentor, title="Second")
    await make_session(desk.org, desk.mentor, title="Long gone", deleted_at=utcnow() - timedelta(days=31))
    await make_session(desk.org, desk.mentor, title="Still here")
    await deleted(graphql, first)
    await deleted(graphql, second)

    trash = (await graphql.execute(TRASH))["deletedSessions"]

    assert trash["totalCount"] == 2 and [i["title"] for i in trash["items"]] == ["Second", "First"]


async def test_a_session_deleted_longer_ago_than_trash_keep_days_is_not_restored(graphql, db):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    session = await make_session(desk.org, desk.mentor, deleted_at=utcnow() - timedelta(days=31))

    payload = await mutate(graphql, RESTORE, id=str(session.id))

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("id", "NOT_EDITABLE")]
    assert "more than 30 days ago (TRASH_KEEP_DAYS)" in payload["errors"][0]["message"]


async def test_a_session_whose_start_has_passed_is_not_restored(graphql, db):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    session = await make_session(
        desk.org, desk.mentor, starts_at=utcnow() - timedelta(hours=1), deleted_at=utcnow() - timedelta(hours=2)
    )

    payload = await mutate(graphql, RESTORE, id=str(session.id))

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("startsAt", "IN_PAST")]
    assert "which has passed, so it cannot be restored" in payload["errors"][0]["message"]


async def test_a_session_whose_mentor_was_booked_meanwhile_is_not_restored(graphql, db):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    start = datetime.fromisoformat(ist("15:00"))
    session = await make_session(desk.org, desk.mentor, title="Deleted", starts_at=start)
    await deleted(graphql, session)
    await make_session(desk.org, desk.mentor, title="Booked since", starts_at=start + timedelta(minutes=30))

    payload = await mutate(graphql, RESTORE, id=str(session.id))

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("startsAt", "MENTOR_BUSY")]
    assert "already has “Booked since”" in payload["errors"][0]["message"]
    assert (await Session.get(id=session.id)).deleted_at is not None


async def test_only_a_deleted_session_of_one_s_organisation_is_restored_and_only_by_a_manager(graphql, db):
    desk = await a_desk()
    elsewhere = await a_desk()
    live_one = await make_session(desk.org, desk.mentor)
    theirs = await make_session(elsewhere.org, elsewhere.mentor, deleted_at=utcnow())
    mine = await make_session(desk.org, desk.mentor, deleted_at=utcnow())
    await graphql.login(desk.manager.email)

    for session in (live_one, theirs):
        payload = await mutate(graphql, RESTORE, id=str(session.id))
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [("id", "NOT_FOUND")]
    await graphql.login(desk.mentor.email)
    payload = await mutate(graphql, RESTORE, id=str(mine.id))
    assert [e["code"] for e in payload["errors"]] == ["PERMISSION_DENIED"]
    assert "Only session managers" in " ".join(await graphql.errors(TRASH))


async def test_mentor_and_mentees_are_told_with_the_same_calendar_event_at_a_higher_sequence(graphql, db, smtp_server):
    desk = await a_desk()
    session = await make_session(desk.org, desk.mentor, title="Back on", enrolled=(desk.asha,))
    await graphql.login(desk.manager.email)
    await mutate(graphql, DELETE, id=str(session.id))
    await deliver_pending(smtp_server.use(db))
    (cancelled,) = [m for m in smtp_server.messages if m["To"] == desk.asha.email]
    smtp_server.messages.clear()

    await mutate(graphql, RESTORE, id=str(session.id))
    await deliver_pending(smtp_server.use(db))

    inbox = {m["To"]: m for m in smtp_server.messages}
    assert sorted(inbox) == sorted([desk.mentor.email, desk.asha.email])
    assert inbox[desk.asha.email]["Subject"] == "Back on: Back on"
    calendar, event = the_event(inbox[desk.asha.email])
    _, was = the_event(cancelled)
    assert str(calendar["METHOD"]) == "REQUEST" and event["UID"] == was["UID"]
    assert int(event["SEQUENCE"]) > int(was["SEQUENCE"])


async def test_a_bulk_upload_s_deletions_are_restored_with_an_answer_per_row(graphql, db):
    p = await people(graphql)
    kept = await make_session(p.org, p.mentor, title="Kept")
    clashing = await make_session(p.org, p.mentor, title="Clashing")
    data = csv_bytes([row(action="Delete", id=kept.id), row(action="Delete", id=clashing.id)])
    payload = await upload(graphql.http, graphql.token, data)
    await job.run_pending()
    upload_id = payload["bulkUpload"]["id"]
    await make_session(p.org, p.mentor, title="Booked since", starts_at=clashing.starts_at)
    assert (await graphql.execute(TO_RESTORE, {"id": upload_id}))["bulkUpload"]["deletedSessionsToRestore"] == 2

    restored = await mutate(graphql, RESTORE_UPLOAD, id=upload_id)

    rows = {r["rowNumber"]: r for r in restored["rows"]}
    assert rows[2]["errors"] == [] and rows[2]["session"]["id"] == str(kept.id)
    assert [e["code"] for e in rows[3]["errors"]] == ["MENTOR_BUSY"] and rows[3]["session"] is None
    assert (await graphql.execute(TO_RESTORE, {"id": upload_id}))["bulkUpload"]["deletedSessionsToRestore"] == 1
    assert (await mutate(graphql, RESTORE_UPLOAD, id="999999"))["errors"][0]["code"] == "NOT_FOUND"


async def test_a_restored_session_is_owed_the_reminders_its_deletion_withdrew(graphql, db):
    desk = await a_desk()
    await graphql.login(desk.manager.email)
    session = await make_session(
        desk.org,
        desk.mentor,
        starts_at=utcnow() + timedelta(hours=3),
        enrolled=(desk.asha,),
        scheduled_at=utcnow() - timedelta(days=2),
    )
    assert await reminders.send_due() == 1  # the mentor's day-before reminder (the mentee joined since)
    await deleted(graphql, session)
    assert await OutboxMessage.filter(sent_at=None, dropped_at=None).count() == 0  # withdrawn

    await mutate(graphql, RESTORE, id=str(session.id))
    restored_news = OutboxMessage.filter(sent_at=None, dropped_at=None)
    assert await restored_news.count() == 2  # the restore's own mail: "Back on", to the mentor and the mentee
    await restored_news.delete()

    assert await reminders.send_due() == 1
    assert await OutboxMessage.filter(sent_at=None, dropped_at=None).count() == 1
