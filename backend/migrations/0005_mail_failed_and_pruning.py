"""Mail that fails for good, and pruning: an outbox message can be FAILED (kept with the server's answer),
and a bulk upload remembers when its stored file and result rows were pruned (its counts stay)."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0004_cheap_counts")]

    operations = [
        ops.AddField(
            model_name="OutboxMessage",
            name="failing_since",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="OutboxMessage",
            name="failed_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="BulkUpload",
            name="pruned_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
