"""Sign-in throttling: failed passwords are kept in the database, so every app process sees them."""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0002_postgres_search_and_mentor_clash")]

    operations = [
        ops.CreateModel(
            name="SignInFailure",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("email", fields.CharField(max_length=254)),
                ("client_address", fields.CharField(max_length=64)),
                ("failed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("cleared", fields.BooleanField(default=False)),
            ],
            options={
                "table": "sign_in_failure",
                "app": "models",
                "indexes": [Index(fields=["email", "failed_at"]), Index(fields=["client_address", "failed_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
