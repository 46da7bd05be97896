"""The live updates decide who hears of a session in memory (`may_see_session`); the queries decide who
sees it in SQL (`visible_sessions`). The two must give the same answer for every role and every kind of
session, deleted ones included."""

from __future__ import annotations

from collections import defaultdict

import pytest

from backend.db import column
from backend.models import Attendance, Session, SessionType, utcnow
from backend.sessions.visibility import may_see_session, visible_sessions
from tests.support.factories import make_org, make_session, make_user
from tests.support.session_requests import a_desk


@pytest.mark.parametrize("include_deleted", [False, True], ids=["live", "with deleted"])
async def test_who_hears_of_a_session_is_who_sees_it_in_the_lists(db, include_deleted):
    desk = await a_desk()
    other_org = await make_org()
    other_mentor = await make_user(other_org, "MENTOR")
    both = await make_user(desk.org, "MENTOR", "MENTEE")
    await make_session(desk.org, desk.mentor, title="Public")
    await make_session(desk.org, desk.mentor, title="Invited", type=SessionType.PRIVATE, invited=(desk.asha,))
    await make_session(desk.org, desk.other_mentor, title="Enrolled", type=SessionType.PRIVATE, enrolled=(desk.kiran,))
    await make_session(desk.org, both, title="Both's own", type=SessionType.PRIVATE)
    await make_session(desk.org, desk.mentor, title="Both invited", type=SessionType.PRIVATE, invited=(both,))
    await make_session(desk.org, desk.mentor, title="Deleted", deleted_at=utcnow())
    await make_session(
        desk.org,
        desk.mentor,
        title="Deleted private",
        type=SessionType.PRIVATE,
        invited=(desk.asha,),
        deleted_at=utcnow(),
    )
    await make_session(other_org, other_mentor, title="Elsewhere")
    await make_session(other_org, other_mentor, title="Elsewhere private", type=SessionType.PRIVATE)
    viewers = {
        "manager": desk.manager,
        "mentor": desk.mentor,
        "other mentor": desk.other_mentor,
        "mentee invited": desk.asha,
        "mentee enrolled": desk.kiran,
        "other mentee": desk.meena,
        "mentor and mentee": both,
        "manager and mentor": await make_user(desk.org, "MANAGER", "MENTOR"),
        "no role": await make_user(desk.org),
        "other organisation's manager": await make_user(other_org, "MANAGER"),
        "other organisation's mentee": await make_user(other_org, "MENTEE"),
    }
    sessions = await Session.all()
    mentees: dict[int, set[int]] = defaultdict(set)
    for session_id, mentee_id in await Attendance.all().values_list("session_id", "mentee_id"):
        mentees[session_id].add(mentee_id)

    answers = {}
    for role, viewer in viewers.items():
        answers[role] = in_sql = set(await column(visible_sessions(viewer, include_deleted=include_deleted), "id", int))
        in_memory = {
            s.id for s in sessions if may_see_session(viewer, s, mentees[s.id], include_deleted=include_deleted)
        }
        assert in_memory == in_sql, role
    # The roles see different sets (the comparison is not of empty answers), and the roleless nothing.
    assert answers["no role"] == set() and len({frozenset(a) for a in answers.values()}) >= 7
