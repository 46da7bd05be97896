"""What the tests of mail read: the outbox delivered to the test SMTP server, a message's text, and the
session most mail tests start from."""

from __future__ import annotations

from datetime import datetime

from backend.mail.sender import deliver_pending
from backend.models import SessionTimeZone
from tests.support.factories import make_session
from tests.support.session_requests import a_desk, ist


def html(message) -> str:
    return message.get_body(("html",)).get_content()


def plain(message) -> str:
    return message.get_body(("plain",)).get_content()


async def delivered(smtp_server, db, now: datetime | None = None) -> dict[str, list]:
    """Deliver the outbox to the SMTP server; every message it holds so far, by recipient."""
    await deliver_pending(smtp_server.use(db), now=now)
    inbox: dict[str, list] = {}
    for message in smtp_server.messages:
        inbox.setdefault(message["To"], []).append(message)
    return inbox


async def a_session_with_mentees(graphql, time_zone: SessionTimeZone = SessionTimeZone.IST, **fields):
    """Ravi's session at 3 pm IST: Asha enrolled, Kiran invited; Meena of the same organisation is not in it."""
    desk = await a_desk()
    session = await make_session(
        desk.org, desk.mentor, title="Lesson planning", starts_at=datetime.fromisoformat(ist("15:00")),
        time_zone=time_zone, enrolled=(desk.asha,), invited=(desk.kiran,), **fields,
    )  # fmt: skip
    await graphql.login(desk.manager.email)
    return desk, session
