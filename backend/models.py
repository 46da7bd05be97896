"""Database models: organisations, people, sessions and what hangs off a session."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class SessionType(str, Enum):
    PUBLIC = "PUBLIC"
    PRIVATE = "PRIVATE"


class SessionStatus(str, Enum):
    UPCOMING = "UPCOMING"
    LIVE = "LIVE"
    COMPLETED = "COMPLETED"


class MeetingPlatform(str, Enum):
    BIG_BLUE_BUTTON = "BIG_BLUE_BUTTON"
    GOOGLE_MEET = "GOOGLE_MEET"
    ZOOM = "ZOOM"


# How people read each platform: in mails, downloads and bulk upload files.
PLATFORM_NAMES = {
    MeetingPlatform.BIG_BLUE_BUTTON: "BigBlueButton",
    MeetingPlatform.GOOGLE_MEET: "Google Meet",
    MeetingPlatform.ZOOM: "Zoom",
}


class SessionTimeZone(str, Enum):
    IST = "IST"
    UTC = "UTC"


# The zone each session time zone stands for (its value is how people read it: IST, UTC).
SESSION_ZONES = {SessionTimeZone.IST: ZoneInfo("Asia/Kolkata"), SessionTimeZone.UTC: ZoneInfo("UTC")}


class AttendanceKind(str, Enum):
    ENROLLED = "ENROLLED"
    INVITED = "INVITED"


class LabelKind(str, Enum):
    CATEGORY = "CATEGORY"
    RECOMMENDED_FOR = "RECOMMENDED_FOR"


class VocabularyKind(str, Enum):
    CATEGORY = "CATEGORY"
    RECOMMENDED_FOR = "RECOMMENDED_FOR"
    MEDIUM = "MEDIUM"


class Organization(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "organization"


class User(Model):
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="users", on_delete=fields.CASCADE
    )
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200)
    designation = fields.CharField(max_length=200, default="")
    password_hash = fields.CharField(max_length=200, default="")
    is_manager = fields.BooleanField(default=False)
    is_mentor = fields.BooleanField(default=False)
    is_mentee = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    # The calendar feed URL's token is derived from this salt (see calendar_feed.py); only its digest is
    # stored, to find the person. Both are empty until the person first looks at their feed URL.
    calendar_feed_salt = fields.CharField(max_length=64, default="", db_default="")
    calendar_feed_digest = fields.CharField(max_length=64, null=True, unique=True)

    organization_id: int

    class Meta:
        table = "user"
        indexes = [Index(fields=("organization_id", "name"))]

    @property
    def roles(self) -> list[str]:
        return [
            role
            for role, held in (("MANAGER", self.is_manager), ("MENTOR", self.is_mentor), ("MENTEE", self.is_mentee))
            if held
        ]


# A sign-in: the browser's cookie and an API client's bearer token are the same secret.
class AuthToken(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="tokens", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()

    user_id: int

    class Meta:
        table = "auth_token"


# A named, scoped, expiring token a person's scripts call the API with (backend/access_tokens.py). Only the
# SHA-256 digest of its secret is stored; `scopes` is "READ" or "READ,WRITE".
class AccessToken(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="access_tokens", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100)
    scopes = fields.CharField(max_length=40)
    token_digest = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)
    last_used_from = fields.CharField(max_length=64, default="")

    user_id: int

    class Meta:
        table = "access_token"


# One password that did not match (or an attempt still being checked), for sign-in throttling. Rows are
# shared by every app process; a successful sign-in marks the e-mail's rows cleared (the client address
# still counts them), and the background worker deletes rows older than a day.
class SignInFailure(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254)
    client_address = fields.CharField(max_length=64)
    failed_at = fields.DatetimeField()
    cleared = fields.BooleanField(default=False)

    class Meta:
        table = "sign_in_failure"
        indexes = [Index(fields=("email", "failed_at")), Index(fields=("client_address", "failed_at"))]


class Session(Model):
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="sessions", on_delete=fields.CASCADE
    )
    mentor: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="hosted_sessions", on_delete=fields.RESTRICT
    )
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="created_sessions", null=True, on_delete=fields.SET_NULL
    )
    title = fields.CharField(max_length=200)
    description = fields.TextField()
    type = fields.CharEnumField(SessionType, max_length=16)
    status = fields.CharEnumField(SessionStatus, max_length=16, default=SessionStatus.UPCOMING)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    duration_minutes = fields.IntField()
    time_zone = fields.CharEnumField(SessionTimeZone, max_length=8, default=SessionTimeZone.IST)
    medium = fields.CharField(max_length=100)
    meeting_platform = fields.CharEnumField(MeetingPlatform, max_length=32, default=MeetingPlatform.BIG_BLUE_BUTTON)
    meeting_link = fields.CharField(max_length=500, default="")
    meeting_passcode = fields.CharField(max_length=100, default="")
    seats_limit = fields.IntField(default=20)
    # Kept in step with the attendance rows by the domain code, so the list can sort on them cheaply.
    enrolled_count = fields.IntField(default=0)
    invited_count = fields.IntField(default=0)
    mentee_count = fields.IntField(default=0)
    image_path = fields.CharField(max_length=300, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    started_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)
    deleted_at = fields.DatetimeField(null=True)
    # The iCalendar SEQUENCE: raised with every change a calendar mail reports, so calendars apply it.
    calendar_sequence = fields.IntField(default=0, db_default=0)
    reminders_enabled = fields.BooleanField(default=True, db_default=True)
    # When the current start was set (created or last moved): reminders that were due before it are not owed.
    scheduled_at = fields.DatetimeField(null=True)
    # Raised by every change of the session, whoever makes it and however: what a client names as
    # `expectedVersion` so that a change made meanwhile is refused (STALE) instead of overwritten.
    version = fields.IntField(default=1, db_default=1)

    organization_id: int
    mentor_id: int

    class Meta:
        table = "session"
        indexes = [
            Index(fields=("organization_id", "starts_at")),
            Index(fields=("organization_id", "status")),
            Index(fields=("organization_id", "created_at")),
            Index(fields=("organization_id", "mentee_count")),
            Index(fields=("organization_id", "title")),
            Index(fields=("organization_id", "seats_limit")),
            Index(fields=("mentor_id", "starts_at")),
            Index(fields=("starts_at",)),
            Index(fields=("organization_id", "deleted_at")),
        ]


# One write to a session (a row inserted, updated or deleted), appended by database triggers (migration
# 0011) in the writer's transaction: the log the API's change feed (backend/sessions/feed.py) reads. Its
# IDs are in the order the changes became visible (see the migration), so a reader never passes a row
# that commits later.
class SessionChange(Model):
    id = fields.BigIntField(primary_key=True)
    session_id = fields.IntField()
    organization_id = fields.IntField()
    kind = fields.CharField(max_length=1)  # I, U or D
    changed_at = fields.DatetimeField()

    class Meta:
        table = "session_change"
        indexes = [Index(fields=("organization_id", "id")), Index(fields=("changed_at",))]


# Tallies: how many sessions that are not deleted an organisation has, per status, type, platform and
# medium (and, in SessionLabelTally, per label too), so a manager's list counts and filter counts read a
# few hundred rows instead of counting 100,000 sessions. Database triggers (migration 0008) append a row
# of +n or -n for every change, so writers never wait on one counter row; `backend.sessions.tallies`
# sums them and folds an organisation's rows together when they pile up.
class Tally(Model):
    id = fields.BigIntField(primary_key=True)
    organization_id = fields.IntField(db_index=True)
    status = fields.CharField(max_length=16)
    type = fields.CharField(max_length=16)
    meeting_platform = fields.CharField(max_length=32)
    medium = fields.CharField(max_length=100)
    n = fields.IntField()

    class Meta:
        abstract = True


class SessionTally(Tally):
    class Meta:
        table = "session_tally"


class SessionLabelTally(Tally):
    kind = fields.CharField(max_length=20)
    value = fields.CharField(max_length=100)

    class Meta:
        table = "session_label_tally"


# One category or one "recommended for" value of a session: what the list filters and counts on.
class SessionLabel(Model):
    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation[Session] = fields.ForeignKeyField(
        "models.Session", related_name="labels", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(LabelKind, max_length=20)
    value = fields.CharField(max_length=100)
    position = fields.IntField(default=0)

    session_id: int

    class Meta:
        table = "session_label"
        unique_together = (("session_id", "kind", "value"),)
        indexes = [Index(fields=("kind", "value"))]


# One value of an organisation's managed list (vocabulary) of categories, "recommended for" values or
# mediums. `match_key` is the value without case, spaces and punctuation: how incoming values are matched.
class VocabularyValue(Model):
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="vocabulary", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(VocabularyKind, max_length=20)
    value = fields.CharField(max_length=100)
    match_key = fields.CharField(max_length=100)
    position = fields.IntField(default=0)

    organization_id: int

    class Meta:
        table = "vocabulary_value"
        unique_together = (("organization_id", "kind", "match_key"),)


class Attendance(Model):
    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation[Session] = fields.ForeignKeyField(
        "models.Session", related_name="attendances", on_delete=fields.CASCADE
    )
    mentee: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="attendances", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(AttendanceKind, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)

    session_id: int
    mentee_id: int

    class Meta:
        table = "attendance"
        unique_together = (("session_id", "mentee_id"),)
        indexes = [Index(fields=("mentee_id",))]


class Rating(Model):
    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation[Session] = fields.ForeignKeyField(
        "models.Session", related_name="ratings", on_delete=fields.CASCADE
    )
    mentee: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="ratings", on_delete=fields.CASCADE
    )
    mentor: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="ratings_received", on_delete=fields.CASCADE
    )
    stars = fields.SmallIntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    session_id: int
    mentee_id: int
    mentor_id: int

    class Meta:
        table = "rating"
        unique_together = (("session_id", "mentee_id"),)
        indexes = [Index(fields=("mentor_id",))]


# An email waiting to be sent: written in the same transaction as the change it tells of.
class OutboxMessage(Model):
    id = fields.IntField(primary_key=True)
    recipients: list[str] = fields.JSONField()  # list of addresses
    subject = fields.CharField(max_length=300)
    text_body = fields.TextField()
    html_body = fields.TextField(default="")
    attachments: list[dict[str, str]] = fields.JSONField(
        default=list
    )  # [{"filename", "content_type", "content_base64"} or {"filename", "content_type", "calendar_event"}]
    created_at = fields.DatetimeField(auto_now_add=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    last_error = fields.TextField(default="")
    sent_at = fields.DatetimeField(null=True)
    # Set by the first failed attempt (cleared when sent or re-queued): how long the message has been failing.
    failing_since = fields.DatetimeField(null=True)
    # FAILED: the server refused it for good (5xx) or it kept failing for a day; kept with `last_error`.
    failed_at = fields.DatetimeField(null=True)
    # A message that is worthless late (a reminder) is dropped instead of sent after this instant.
    send_before = fields.DatetimeField(null=True)
    dropped_at = fields.DatetimeField(null=True)
    # A notice (backend/mail/notices.py): what happened to this person's sessions, written into a mail
    # (subject, bodies, calendar parts) only when it is sent, from the sessions as they are then.
    person_id = fields.IntField(null=True)
    notice: dict[str, Any] | None = fields.JSONField(null=True)

    class Meta:
        table = "outbox_message"
        indexes = [Index(fields=("sent_at", "next_attempt_at")), Index(fields=("person_id", "next_attempt_at"))]


# A reminder of one session to one person: written when it is queued, so it is queued exactly once.
class SessionReminder(Model):
    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation[Session] = fields.ForeignKeyField(
        "models.Session", related_name="reminders", on_delete=fields.CASCADE
    )
    recipient: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="reminders", on_delete=fields.CASCADE
    )
    minutes_before = fields.IntField()
    starts_at = fields.DatetimeField()  # the start it reminds of: a moved session is owed new reminders
    outbox_message: fields.ForeignKeyNullableRelation[OutboxMessage] = fields.ForeignKeyField(
        "models.OutboxMessage", related_name="reminders", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    session_id: int
    recipient_id: int
    outbox_message_id: int | None

    class Meta:
        table = "session_reminder"
        unique_together = (("session_id", "recipient_id", "minutes_before", "starts_at"),)


class BulkUploadStatus(str, Enum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class BulkRowStatus(str, Enum):
    VALID = "VALID"
    INVALID = "INVALID"


# An uploaded CSV file and the progress of the job that applies it; the job's state lives here.
class BulkUpload(Model):
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="bulk_uploads", on_delete=fields.CASCADE
    )
    uploader: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="bulk_uploads", on_delete=fields.CASCADE
    )
    filename = fields.CharField(max_length=255)
    content = fields.TextField()  # the decoded file, so any app process can run the job
    dry_run = fields.BooleanField(default=False)
    status = fields.CharEnumField(BulkUploadStatus, max_length=16, default=BulkUploadStatus.PENDING)
    message = fields.TextField(default="")
    total_rows = fields.IntField(default=0)
    processed_rows = fields.IntField(default=0)
    valid_rows = fields.IntField(default=0)
    invalid_rows = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    # A worker owns the job while its lease is fresh; a crashed worker's lease runs out and another resumes.
    lease_owner = fields.CharField(max_length=100, default="")
    lease_expires_at = fields.DatetimeField(null=True)
    # After BULK_KEEP_DAYS the file and the result rows are deleted; the counts above stay.
    pruned_at = fields.DatetimeField(null=True)

    organization_id: int
    uploader_id: int

    class Meta:
        table = "bulk_upload"
        indexes = [Index(fields=("uploader_id", "created_at")), Index(fields=("status",))]


# The outcome of one CSV row, written in the same transaction as the row's change.
class BulkUploadRow(Model):
    id = fields.IntField(primary_key=True)
    upload: fields.ForeignKeyRelation[BulkUpload] = fields.ForeignKeyField(
        "models.BulkUpload", related_name="rows", on_delete=fields.CASCADE
    )
    row_number = fields.IntField()
    action = fields.CharField(max_length=20, default="")
    session_id = fields.IntField(null=True)
    status = fields.CharEnumField(BulkRowStatus, max_length=16)
    message = fields.TextField(default="")
    cells: list[str] = fields.JSONField()  # the row as uploaded, ID filled in for created sessions

    upload_id: int

    class Meta:
        table = "bulk_upload_row"
        unique_together = (("upload_id", "row_number"),)


class ActivityChannel(str, Enum):
    """Where a change came from."""

    BROWSER = "BROWSER"  # the app, signed in with its cookie
    API = "API"  # a GraphQL client with a bearer token
    BULK_UPLOAD = "BULK_UPLOAD"
    COMMAND_LINE = "COMMAND_LINE"
    SYSTEM = "SYSTEM"  # the app itself: a session completed when left live, housekeeping


class ActivityKind(str, Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    MEETING_CHANGED = "MEETING_CHANGED"
    MENTEES_CHANGED = "MENTEES_CHANGED"
    DELETED = "DELETED"
    RESTORED = "RESTORED"
    STARTED = "STARTED"
    ENDED = "ENDED"


# One change of one session, written in the change's own transaction: who (no actor: the system), when,
# through which channel (a bulk upload's row too), and each field's value before and after, as
# [{"field", "before", "after"}]. Kept ACTIVITY_KEEP_DAYS; read through backend/sessions/history.py,
# which shows each viewer only what they may see.
class Activity(Model):
    id = fields.BigIntField(primary_key=True)
    organization_id = fields.IntField()
    session_id = fields.IntField()
    actor_id = fields.IntField(null=True)
    actor_name = fields.CharField(max_length=200)  # as it was then, so the history reads the same later
    at = fields.DatetimeField()
    kind = fields.CharEnumField(ActivityKind, max_length=20)
    channel = fields.CharEnumField(ActivityChannel, max_length=20)
    bulk_upload_id = fields.IntField(null=True)
    row_number = fields.IntField(null=True)
    version = fields.IntField()  # the session's version after the change
    changes: list[dict[str, object]] = fields.JSONField()

    class Meta:
        table = "activity"
        indexes = [
            Index(fields=("organization_id", "id")),
            Index(fields=("session_id", "version")),
            Index(fields=("organization_id", "actor_id", "id")),
            Index(fields=("at",)),
        ]


def utcnow() -> datetime:
    return datetime.now(UTC)
