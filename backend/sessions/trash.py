"""Recently deleted sessions, and bringing them back: one session (the Undo after a delete, Restore in
the Recently deleted list) or every session one bulk upload deleted. Each restore is its own change
through `writing.apply`, with the rules of `changes.plan_restore`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from tortoise.queryset import QuerySet

from backend.bulk_upload.rows import Action
from backend.db import column
from backend.errors import ErrorCode, Refused, UserError, refused
from backend.models import BulkRowStatus, BulkUpload, BulkUploadRow, Session, User, utcnow
from backend.sessions import changes, writing
from backend.sessions.history import Origin
from backend.sessions.rules import NOT_A_MANAGER
from backend.settings import get_settings

MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class TrashPage:
    items: list[Session]
    total_count: int
    page: int
    page_size: int


async def deleted_sessions(viewer: User, page: int = 1, page_size: int = 20) -> TrashPage:
    """The organisation's sessions deleted within TRASH_KEEP_DAYS, most recently deleted first (managers)."""
    if not viewer.is_manager:
        raise refused(ErrorCode.PERMISSION_DENIED, NOT_A_MANAGER)
    if not 1 <= page_size <= MAX_PAGE_SIZE or not 1 <= page <= 100_000:
        raise refused(ErrorCode.INVALID, f"Ask for pages 1 to 100,000 of 1 to {MAX_PAGE_SIZE} sessions.", "pageSize")
    cutoff = utcnow() - timedelta(days=get_settings().trash_keep_days)
    query = Session.filter(organization_id=viewer.organization_id, deleted_at__gte=cutoff)
    items = await query.order_by("-deleted_at", "-id").offset((page - 1) * page_size).limit(page_size)
    return TrashPage(items, await query.count(), page, page_size)


async def restore_session(origin: Origin, session_id: int) -> Session:
    actor = origin.person
    return await writing.apply(lambda d: changes.plan_restore(actor, session_id, d), origin)


@dataclass
class RowRestored:
    """What became of one Delete row of an upload when its session was asked back."""

    row_number: int
    session_id: int
    session: Session | None = None
    errors: list[UserError] = field(default_factory=list)


async def _own_upload(viewer: User, upload_id: int) -> BulkUpload:
    upload = await BulkUpload.get_or_none(id=upload_id, uploader_id=viewer.id)
    if upload is None:
        raise refused(ErrorCode.NOT_FOUND, f"You have no bulk upload with ID {upload_id}; check the ID.", "uploadId")
    return upload


def _deleting_rows(upload: BulkUpload) -> QuerySet[BulkUploadRow]:
    return BulkUploadRow.filter(
        upload_id=upload.id, action=Action.DELETE.value, status=BulkRowStatus.VALID, session_id__isnull=False
    )


async def still_deleted(upload: BulkUpload) -> int:
    """How many sessions the upload deleted are deleted still (and so may be restored)."""
    if upload.dry_run:
        return 0
    ids = await column(_deleting_rows(upload), "session_id", int)
    return await Session.filter(id__in=ids, deleted_at__isnull=False).count()


async def restore_upload_deletions(origin: Origin, upload_id: int) -> list[RowRestored]:
    """Every session the upload's Delete rows deleted that is deleted still, each restored in its own
    transaction with its own answer; a dry run deleted nothing."""
    upload = await _own_upload(origin.person, upload_id)
    if upload.dry_run:
        return []
    rows = await _deleting_rows(upload).order_by("row_number").values_list("row_number", "session_id")
    deleted = set(await column(Session.filter(id__in=[s for _, s in rows], deleted_at__isnull=False), "id", int))
    results = []
    for row_number, session_id in rows:
        if session_id not in deleted:
            continue
        result = RowRestored(row_number, session_id)
        try:
            result.session = await restore_session(origin, session_id)
        except Refused as refusal:
            result.errors = refusal.errors
        results.append(result)
    return results
