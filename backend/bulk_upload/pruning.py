"""Deleting what finished bulk uploads stored (the uploaded file and each row's result) after
BULK_KEEP_DAYS. The upload stays in the history with its counts; its result file is gone."""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from backend.models import BulkUpload, BulkUploadRow, BulkUploadStatus, utcnow

BATCH = 50


async def prune_finished(keep_days: int, now: datetime | None = None) -> int:
    """Prune uploads finished more than `keep_days` days ago; how many were pruned."""
    now = now or utcnow()
    cutoff = now - timedelta(days=keep_days)
    pruned = 0
    while True:
        ids = (
            await BulkUpload.filter(
                status__in=[BulkUploadStatus.COMPLETED, BulkUploadStatus.FAILED],
                finished_at__lt=cutoff,
                pruned_at=None,
            )
            .order_by("id")
            .limit(BATCH)
            .values_list("id", flat=True)
        )
        if not ids:
            return pruned
        # Idempotent: two processes pruning at once delete the same rows and set the same mark.
        async with in_transaction():
            await BulkUploadRow.filter(upload_id__in=ids).delete()
            await BulkUpload.filter(id__in=ids).update(content="", pruned_at=now)
        pruned += len(ids)
