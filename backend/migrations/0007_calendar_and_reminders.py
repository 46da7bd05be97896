"""Calendar invitations and reminders: the SEQUENCE and reminder switch of a session, the calendar feed token,
the record of reminders queued, and outbox messages that are dropped rather than sent late."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0006_vocabularies")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SessionReminder",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "session",
                    fields.ForeignKeyField(
                        "models.Session",
                        source_field="session_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reminders",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "recipient",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="recipient_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reminders",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("minutes_before", fields.IntField()),
                ("starts_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "outbox_message",
                    fields.ForeignKeyField(
                        "models.OutboxMessage",
                        source_field="outbox_message_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="reminders",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "session_reminder",
                "app": "models",
                "unique_together": (("session_id", "recipient_id", "minutes_before", "starts_at"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="OutboxMessage",
            name="dropped_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="OutboxMessage",
            name="send_before",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Session",
            name="calendar_sequence",
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name="Session",
            name="reminders_enabled",
            field=fields.BooleanField(default=True, db_default=True),
        ),
        ops.AddField(
            model_name="Session",
            name="scheduled_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name="Session",
            index=Index(fields=["starts_at"]),
        ),
        ops.AddField(
            model_name="User",
            name="calendar_feed_digest",
            field=fields.CharField(null=True, unique=True, max_length=64),
        ),
        ops.AddField(
            model_name="User",
            name="calendar_feed_salt",
            field=fields.CharField(default="", db_default="", max_length=64),
        ),
    ]
