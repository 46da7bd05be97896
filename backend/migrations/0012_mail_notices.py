"""Mail worth reading: an outbox message can be a notice to one person (`person_id`) of what happened to
their sessions (`notice`), gathered over the settle window and written into a mail only when it is sent."""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0011_access_tokens_and_change_feed")]

    initial = False

    operations = [
        ops.AddField(model_name="OutboxMessage", name="person_id", field=fields.IntField(null=True)),
        ops.AddField(model_name="OutboxMessage", name="notice", field=fields.JSONField(null=True)),
        ops.AddIndex(model_name="OutboxMessage", index=Index(fields=["person_id", "next_attempt_at"])),
    ]
