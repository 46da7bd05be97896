"""Edits that cannot silently overwrite, and a history of every change: each session's version, the
activity table, and an index for the recently deleted sessions."""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0009_label_tally_by_index")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Session",
            name="version",
            field=fields.IntField(default=1, db_default=1),
        ),
        ops.AddIndex(
            model_name="Session",
            index=Index(fields=["organization_id", "deleted_at"]),
        ),
        ops.CreateModel(
            name="Activity",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("organization_id", fields.IntField()),
                ("session_id", fields.IntField()),
                ("actor_id", fields.IntField(null=True)),
                ("actor_name", fields.CharField(max_length=200)),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("kind", fields.CharField(max_length=20)),
                ("channel", fields.CharField(max_length=20)),
                ("bulk_upload_id", fields.IntField(null=True)),
                ("row_number", fields.IntField(null=True)),
                ("version", fields.IntField()),
                ("changes", fields.JSONField()),
            ],
            options={
                "table": "activity",
                "app": "models",
                "indexes": [
                    Index(fields=["organization_id", "id"]),
                    Index(fields=["session_id", "version"]),
                    Index(fields=["organization_id", "actor_id", "id"]),
                    Index(fields=["at"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
