"""Deleting what is kept only for a while: sent mail after MAIL_KEEP_DAYS, and the stored file and
result rows of finished bulk uploads after BULK_KEEP_DAYS. Every app process runs it; the deletes are
idempotent, so it does not matter which process does a pass."""

from __future__ import annotations

from backend.background import BackgroundWorker
from backend.bulk_upload.pruning import prune_finished
from backend.mail.maintenance import prune_sent
from backend.settings import Settings

POLL_SECONDS = 3600.0


class Housekeeper(BackgroundWorker):
    name = "housekeeper"
    poll_seconds = POLL_SECONDS

    def __init__(self, settings: Settings, poll_seconds: float | None = None) -> None:
        super().__init__(poll_seconds)
        self.settings = settings

    async def run_pass(self) -> str | None:
        mails = await prune_sent(self.settings.mail_keep_days)
        uploads = await prune_finished(self.settings.bulk_keep_days)
        if not mails and not uploads:
            return None
        return (
            f"deleted {mails} sent message(s) older than {self.settings.mail_keep_days} days; "
            f"pruned {uploads} bulk upload(s) finished over {self.settings.bulk_keep_days} days ago"
        )
