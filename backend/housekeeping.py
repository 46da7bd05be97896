"""Deleting what is kept only for a while: expired sign-in and access tokens, sign-in failures too old to count,
sent mail after MAIL_KEEP_DAYS, the stored file and result rows of finished bulk uploads after
BULK_KEEP_DAYS, the change feed's log after 30 days (backend/sessions/feed.py) and the history of changes
after ACTIVITY_KEEP_DAYS; and it folds the session tallies (`backend.sessions.tallies`). Every app process
runs it; the deletes and folds are idempotent, so it does not matter which process does a pass."""

from __future__ import annotations

from backend import access_tokens, throttle
from backend.auth import purge_expired_tokens
from backend.background import BackgroundWorker
from backend.bulk_upload.pruning import prune_finished
from backend.mail.maintenance import prune_sent
from backend.models import utcnow
from backend.sessions import feed, history, tallies
from backend.settings import Settings

POLL_SECONDS = 300.0


class Housekeeper(BackgroundWorker):
    name = "housekeeper"
    poll_seconds = POLL_SECONDS

    def __init__(self, settings: Settings, poll_seconds: float | None = None) -> None:
        super().__init__(poll_seconds)
        self.settings = settings

    async def run_pass(self) -> str | None:
        now = utcnow()
        tokens = await purge_expired_tokens(now) + await access_tokens.purge_expired(now)
        failures = await throttle.forget_old(now)
        mails = await prune_sent(self.settings.mail_keep_days)
        uploads = await prune_finished(self.settings.bulk_keep_days)
        activity = await history.prune(self.settings.activity_keep_days, now)
        folded = await tallies.fold()
        changes = await feed.prune(now)
        done = []
        if tokens or failures:
            done.append(f"deleted {tokens} expired sign-in(s) or access token(s) and {failures} old sign-in failure(s)")
        if mails or uploads:
            done.append(
                f"deleted {mails} sent message(s) older than {self.settings.mail_keep_days} days; "
                f"pruned {uploads} bulk upload(s) finished over {self.settings.bulk_keep_days} days ago"
            )
        if changes:
            done.append(f"deleted {changes} session change(s) older than the change feed keeps")
        if activity:
            done.append(
                f"deleted {activity} change(s) older than {self.settings.activity_keep_days} days from the history"
            )
        if folded:
            done.append(f"folded {folded} row(s) of the session tallies")
        return "; ".join(done) or None
