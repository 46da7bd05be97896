"""The session rules R1–R8 (DESIGN.md), written once for the browser, the API and every CSV row."""

from __future__ import annotations

from backend.models import Session, SessionStatus, User

NOT_A_MANAGER = "Only session managers can change sessions; ask a session manager of your organisation."


def edit_blocked_reason(viewer: User, session: Session) -> str | None:
    """R1: details can be edited only while the session is upcoming."""
    if not viewer.is_manager:
        return NOT_A_MANAGER
    if session.status == SessionStatus.LIVE:
        return "The mentor has started this session, so its details can no longer be edited; the meeting link still can."
    if session.status == SessionStatus.COMPLETED:
        return "This session is completed, so it can no longer be edited."
    return None


def meeting_edit_blocked_reason(viewer: User, session: Session) -> str | None:
    """R2: the meeting can be edited while upcoming or live."""
    if not viewer.is_manager:
        return NOT_A_MANAGER
    if session.status == SessionStatus.COMPLETED:
        return "This session is completed, so its meeting information can no longer be changed."
    return None


def delete_blocked_reason(viewer: User, session: Session) -> str | None:
    """R3: a session can be deleted only while upcoming."""
    if not viewer.is_manager:
        return NOT_A_MANAGER
    if session.status == SessionStatus.LIVE:
        return "The mentor has started this session, so it can no longer be deleted."
    if session.status == SessionStatus.COMPLETED:
        return "This session is completed, so it can no longer be deleted."
    return None
