"""Receiving a bulk upload file, and the uploader's history of uploads and their row results."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.queryset import QuerySet

from backend.bulk_upload import job, parse
from backend.db import after_commit
from backend.errors import ErrorCode, UserError
from backend.inputs import first_control_character
from backend.models import BulkRowStatus, BulkUpload, BulkUploadRow, BulkUploadStatus, User, utcnow
from backend.sessions import rules
from backend.sessions.listing import check_paging
from backend.sessions.visibility import may_use_bulk_files
from backend.settings import get_settings

FILENAME_MAX = 255


def _plain_filename(filename: str | None) -> str:
    """The file's name without its folder and without control characters (which never reach the database)."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if first_control_character(c) is None).strip()
    return (name or "bulk-upload.csv")[:FILENAME_MAX]


async def submit(
    uploader: User, filename: str | None, data: bytes, dry_run: bool
) -> tuple[BulkUpload | None, list[UserError]]:
    """A checked file, stored and handed to the job runner; a refused one stored as FAILED with its
    message (so it shows in the history) and the message returned."""
    if not may_use_bulk_files(uploader):
        return None, [UserError(None, ErrorCode.PERMISSION_DENIED, rules.NOT_A_MANAGER)]
    settings = get_settings()
    upload = BulkUpload(
        organization_id=uploader.organization_id,
        uploader_id=uploader.id,
        filename=_plain_filename(filename),
        dry_run=dry_run,
    )
    try:
        table = parse.read_upload(data, settings.bulk_max_bytes, settings.bulk_max_rows)
    except parse.FileRefused as refused:
        upload.status, upload.message, upload.content, upload.finished_at = (
            BulkUploadStatus.FAILED,
            refused.message,
            "",
            utcnow(),
        )
        await upload.save()
        return upload, [UserError("file", ErrorCode.INVALID, refused.message)]
    upload.content, upload.total_rows = table.text, len(table.rows)
    await upload.save()
    await after_commit(job.wake)
    return upload, []


def own_uploads(viewer: User) -> QuerySet[BulkUpload]:
    return BulkUpload.filter(uploader_id=viewer.id, organization_id=viewer.organization_id)


async def find_upload(viewer: User, upload_id: int) -> BulkUpload | None:
    """One of the viewer's own uploads; anyone else's answers None, as if it did not exist."""
    return await own_uploads(viewer).get_or_none(id=upload_id)


@dataclass
class UploadPage:
    items: list[BulkUpload]
    total_count: int
    page: int
    page_size: int


async def upload_page(viewer: User, page: int, page_size: int) -> UploadPage:
    """The viewer's uploads, newest first."""
    check_paging(page, page_size)
    query = own_uploads(viewer)
    total = await query.count()
    items = await query.order_by("-created_at", "-id").offset((page - 1) * page_size).limit(page_size)
    return UploadPage(items=list(items), total_count=total, page=page, page_size=page_size)


async def result_rows(upload: BulkUpload, page: int, page_size: int, only_invalid: bool) -> list[BulkUploadRow]:
    check_paging(page, page_size)
    query = BulkUploadRow.filter(upload_id=upload.id)
    if only_invalid:
        query = query.filter(status=BulkRowStatus.INVALID)
    return list(await query.order_by("row_number").offset((page - 1) * page_size).limit(page_size))
