"""Which sessions a person may see: their organisation's, narrowed by role."""

from __future__ import annotations

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from backend.models import Attendance, Session, SessionType, User


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
        reach |= Q(type=SessionType.PUBLIC)
        reach |= Q(id__in=Subquery(Attendance.filter(mentee_id=viewer.id).values("session_id")))
    return query.filter(reach)


def can_see_mentees(viewer: User, session: Session) -> bool:
    """Managers and the session's mentor see who attends; a mentee sees only the count."""
    return viewer.is_manager or session.mentor_id == viewer.id


def can_see_meeting(viewer: User, session: Session, attends: bool) -> bool:
    return viewer.is_manager or session.mentor_id == viewer.id or attends
