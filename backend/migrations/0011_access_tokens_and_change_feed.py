"""Access tokens for scripts and API clients (only their SHA-256 digests), and an index that makes an
organisation's largest seats limit, by which the query cost prices a session's mentees, one index probe."""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0009_label_tally_by_index")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AccessToken",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="access_tokens",
                        on_delete=fields.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=100)),
                ("scopes", fields.CharField(max_length=40)),
                ("token_digest", fields.CharField(max_length=64, unique=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("last_used_from", fields.CharField(max_length=64, default="")),
            ],
            options={"table": "access_token", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.AddIndex(model_name="Session", index=Index(fields=["organization_id", "seats_limit"])),
    ]
