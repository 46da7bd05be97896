"""The result file of a bulk upload: the uploaded columns (ID filled in for created sessions), then
Status and Status Message, ready for a spreadsheet (BOM, safe cells)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from backend.bulk_upload import columns, parse
from backend.csv_format import BOM, csv_line
from backend.models import BulkRowStatus, BulkUpload, BulkUploadRow, BulkUploadStatus
from backend.settings import get_settings

BATCH = 2000
STATUS_LABELS = {BulkRowStatus.VALID: "Valid", BulkRowStatus.INVALID: "Invalid"}


def result_page(upload: BulkUpload) -> str:
    """Where the app shows the upload and its row results: a full address when PUBLIC_URL is set."""
    return f"{get_settings().public_url}/workspace/sessions?tab=bulk&upload={upload.id}"


def in_the_app(path: str | None) -> str | None:
    """A path of the app as a full address when PUBLIC_URL is set (for e-mails)."""
    return f"{get_settings().public_url}{path}" if path else path


def result_url(upload: BulkUpload) -> str | None:
    if upload.status != BulkUploadStatus.COMPLETED or upload.pruned_at is not None:
        return None
    return f"/bulk-uploads/{upload.id}/result.csv"


async def result_lines(upload: BulkUpload) -> AsyncIterator[str]:
    header = parse.read_header(upload.content)
    # A corrected result file uploaded again brings its own Status columns; they are replaced, not repeated.
    kept = [position for position, name in enumerate(header) if not columns.is_result_column(name)]
    yield BOM + csv_line([header[p] for p in kept] + columns.RESULT_COLUMNS)
    last = 0
    while True:
        rows = (
            await BulkUploadRow.filter(upload_id=upload.id, row_number__gt=last)
            .order_by("row_number")
            .limit(BATCH)
            .values_list("row_number", "cells", "status", "message")
        )
        if not rows:
            return
        yield "".join(
            csv_line([cells[p] for p in kept] + [STATUS_LABELS[BulkRowStatus(status)], message])
            for _, cells, status, message in rows
        )
        last = rows[-1][0]


async def result_csv(upload: BulkUpload) -> bytes:
    return "".join([chunk async for chunk in result_lines(upload)]).encode("utf-8")
