import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from backend.models import (
    AttendanceKind,
    BulkRowStatus,
    BulkUploadStatus,
    LabelKind,
    MeetingPlatform,
    SessionStatus,
    SessionTimeZone,
    SessionType,
)


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Organization",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("name", fields.CharField(unique=True, max_length=200)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "organization", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OutboxMessage",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "recipients",
                    fields.JSONField(encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads),
                ),
                ("subject", fields.CharField(max_length=300)),
                ("text_body", fields.TextField(unique=False)),
                ("html_body", fields.TextField(default="", unique=False)),
                (
                    "attachments",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("attempts", fields.IntField(default=0)),
                ("next_attempt_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_error", fields.TextField(default="", unique=False)),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "outbox_message",
                "app": "models",
                "indexes": [Index(fields=["sent_at", "next_attempt_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="User",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "organization",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="organization_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="users",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("email", fields.CharField(unique=True, max_length=254)),
                ("name", fields.CharField(max_length=200)),
                ("designation", fields.CharField(default="", max_length=200)),
                ("password_hash", fields.CharField(default="", max_length=200)),
                ("is_manager", fields.BooleanField(default=False)),
                ("is_mentor", fields.BooleanField(default=False)),
                ("is_mentee", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "user",
                "app": "models",
                "indexes": [Index(fields=["organization_id", "name"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AuthToken",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "auth_token", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="BulkUpload",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "organization",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="organization_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="bulk_uploads",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "uploader",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="uploader_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="bulk_uploads",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("filename", fields.CharField(max_length=255)),
                ("content", fields.TextField(unique=False)),
                ("dry_run", fields.BooleanField(default=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=BulkUploadStatus.PENDING,
                        description="PENDING: PENDING\nRUNNING: RUNNING\nCOMPLETED: COMPLETED\nFAILED: FAILED",
                        enum_type=BulkUploadStatus,
                        max_length=16,
                    ),
                ),
                ("message", fields.TextField(default="", unique=False)),
                ("total_rows", fields.IntField(default=0)),
                ("processed_rows", fields.IntField(default=0)),
                ("valid_rows", fields.IntField(default=0)),
                ("invalid_rows", fields.IntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("started_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("finished_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("lease_owner", fields.CharField(default="", max_length=100)),
                ("lease_expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "bulk_upload",
                "app": "models",
                "indexes": [Index(fields=["uploader_id", "created_at"]), Index(fields=["status"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="BulkUploadRow",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "upload",
                    fields.ForeignKeyField(
                        "models.BulkUpload",
                        source_field="upload_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="rows",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("row_number", fields.IntField()),
                ("action", fields.CharField(default="", max_length=20)),
                ("session_id", fields.IntField(null=True)),
                (
                    "status",
                    fields.CharEnumField(
                        description="VALID: VALID\nINVALID: INVALID", enum_type=BulkRowStatus, max_length=16
                    ),
                ),
                ("message", fields.TextField(default="", unique=False)),
                ("cells", fields.JSONField(encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads)),
            ],
            options={
                "table": "bulk_upload_row",
                "app": "models",
                "unique_together": (("upload_id", "row_number"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Session",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "organization",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="organization_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="sessions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "mentor",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="mentor_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="hosted_sessions",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="created_sessions",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("title", fields.CharField(max_length=200)),
                ("description", fields.TextField(unique=False)),
                (
                    "type",
                    fields.CharEnumField(
                        description="PUBLIC: PUBLIC\nPRIVATE: PRIVATE", enum_type=SessionType, max_length=16
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=SessionStatus.UPCOMING,
                        description="UPCOMING: UPCOMING\nLIVE: LIVE\nCOMPLETED: COMPLETED",
                        enum_type=SessionStatus,
                        max_length=16,
                    ),
                ),
                ("starts_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("ends_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("duration_minutes", fields.IntField()),
                (
                    "time_zone",
                    fields.CharEnumField(
                        default=SessionTimeZone.IST,
                        description="IST: IST\nUTC: UTC",
                        enum_type=SessionTimeZone,
                        max_length=8,
                    ),
                ),
                ("medium", fields.CharField(max_length=100)),
                (
                    "meeting_platform",
                    fields.CharEnumField(
                        default=MeetingPlatform.BIG_BLUE_BUTTON,
                        description="BIG_BLUE_BUTTON: BIG_BLUE_BUTTON\nGOOGLE_MEET: GOOGLE_MEET\nZOOM: ZOOM",
                        enum_type=MeetingPlatform,
                        max_length=32,
                    ),
                ),
                ("meeting_link", fields.CharField(default="", max_length=500)),
                ("meeting_passcode", fields.CharField(default="", max_length=100)),
                ("seats_limit", fields.IntField(default=20)),
                ("enrolled_count", fields.IntField(default=0)),
                ("invited_count", fields.IntField(default=0)),
                ("mentee_count", fields.IntField(default=0)),
                ("image_path", fields.CharField(default="", max_length=300)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ("started_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("completed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("deleted_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "session",
                "app": "models",
                "indexes": [
                    Index(fields=["organization_id", "starts_at"]),
                    Index(fields=["organization_id", "status"]),
                    Index(fields=["organization_id", "created_at"]),
                    Index(fields=["organization_id", "mentee_count"]),
                    Index(fields=["organization_id", "title"]),
                    Index(fields=["mentor_id", "starts_at"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Attendance",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "session",
                    fields.ForeignKeyField(
                        "models.Session",
                        source_field="session_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="attendances",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "mentee",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="mentee_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="attendances",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="ENROLLED: ENROLLED\nINVITED: INVITED", enum_type=AttendanceKind, max_length=16
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "attendance",
                "app": "models",
                "unique_together": (("session_id", "mentee_id"),),
                "indexes": [Index(fields=["mentee_id"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Rating",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "session",
                    fields.ForeignKeyField(
                        "models.Session",
                        source_field="session_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="ratings",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "mentee",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="mentee_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="ratings",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "mentor",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="mentor_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="ratings_received",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("stars", fields.SmallIntField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "rating",
                "app": "models",
                "unique_together": (("session_id", "mentee_id"),),
                "indexes": [Index(fields=["mentor_id"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SessionLabel",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "session",
                    fields.ForeignKeyField(
                        "models.Session",
                        source_field="session_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="labels",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="CATEGORY: CATEGORY\nRECOMMENDED_FOR: RECOMMENDED_FOR",
                        enum_type=LabelKind,
                        max_length=20,
                    ),
                ),
                ("value", fields.CharField(max_length=100)),
                ("position", fields.IntField(default=0)),
            ],
            options={
                "table": "session_label",
                "app": "models",
                "unique_together": (("session_id", "kind", "value"),),
                "indexes": [Index(fields=["kind", "value"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
