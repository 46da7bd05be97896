"""Managed lists of values per organisation (issue 12): categories, "recommended for" values and mediums.

The starting lists are the values sessions use today. Spellings that differ only in case, spaces or
punctuation ("Communication", "communication ") become one value, spelt as most sessions spell it, and
every session is moved to that spelling.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from typing import Any

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from backend.models import VocabularyKind

KINDS = ("CATEGORY", "RECOMMENDED_FOR", "MEDIUM")


def match_key(value: str) -> str:
    """As backend.sessions.rules.match_key, frozen here so the migration keeps its meaning."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", value).casefold() if ch.isalnum())


def _canonical(spellings: list[tuple[str, int]]) -> str:
    """The spelling most sessions use; on a tie one that is not all lower case, then the first alphabetically."""
    return sorted(spellings, key=lambda s: (-s[1], s[0] == s[0].lower(), s[0]))[0][0]


async def start_vocabularies(client: Any) -> None:
    """Fill each organisation's lists from the values its sessions use, merging spellings of one value."""
    postgres = client.capabilities.dialect == "postgres"

    def sql(text: str) -> str:
        if not postgres:
            return text
        parts = text.split("?")
        return "".join(part + (f"${n}" if n < len(parts) else "") for n, part in enumerate(parts, 1))

    _, orgs = await client.execute_query(sql('SELECT id FROM "organization" ORDER BY id'))
    for org in orgs:
        org_id = org["id"]
        used: dict[str, list[tuple[str, int]]] = {}
        for kind in ("CATEGORY", "RECOMMENDED_FOR"):
            _, rows = await client.execute_query(
                sql(
                    'SELECT l.value AS value, COUNT(*) AS n FROM "session_label" l JOIN "session" s '
                    "ON s.id = l.session_id WHERE s.organization_id = ? AND l.kind = ? GROUP BY l.value"
                ),
                [org_id, kind],
            )
            used[kind] = [(row["value"], row["n"]) for row in rows]
        _, rows = await client.execute_query(
            sql('SELECT medium AS value, COUNT(*) AS n FROM "session" WHERE organization_id = ? GROUP BY medium'),
            [org_id],
        )
        used["MEDIUM"] = [(row["value"], row["n"]) for row in rows]
        for kind in KINDS:
            groups: dict[str, list[tuple[str, int]]] = defaultdict(list)
            for value, n in used[kind]:
                if match_key(value):
                    groups[match_key(value)].append((value.strip(), n))
            canonical = {key: _canonical(spellings) for key, spellings in groups.items()}
            ordered = sorted(canonical.items(), key=lambda item: item[1].casefold())
            for position, (key, value) in enumerate(ordered, 1):
                await client.execute_query(
                    sql(
                        'INSERT INTO "vocabulary_value" (organization_id, kind, value, match_key, position) '
                        "VALUES (?, ?, ?, ?, ?)"
                    ),
                    [org_id, kind, value, key, position],
                )
            for value, _ in used[kind]:
                target = canonical.get(match_key(value))
                if target is None or target == value:
                    continue
                await _respell(client, sql, org_id, kind, value, target)


async def _respell(client: Any, sql: Any, org_id: int, kind: str, old: str, new: str) -> None:
    if kind == "MEDIUM":
        await client.execute_query(
            sql('UPDATE "session" SET medium = ? WHERE organization_id = ? AND medium = ?'), [new, org_id, old]
        )
        return
    of_org = 'SELECT id FROM "session" WHERE organization_id = ?'
    # A session that has both spellings keeps one label.
    await client.execute_query(
        sql(
            'DELETE FROM "session_label" WHERE kind = ? AND value = ? AND session_id IN '
            f'(SELECT session_id FROM "session_label" WHERE kind = ? AND value = ?) AND session_id IN ({of_org})'
        ),
        [kind, old, kind, new, org_id],
    )
    await client.execute_query(
        sql(f'UPDATE "session_label" SET value = ? WHERE kind = ? AND value = ? AND session_id IN ({of_org})'),
        [new, kind, old, org_id],
    )


async def _forward(apps: Any, schema_editor: Any) -> None:
    await start_vocabularies(schema_editor.client)


async def _backward(apps: Any, schema_editor: Any) -> None:
    return None


class Migration(migrations.Migration):
    dependencies = [("models", "0005_mail_failed_and_pruning")]

    operations = [
        ops.CreateModel(
            name="VocabularyValue",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "organization",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="organization_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="vocabulary",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="CATEGORY: CATEGORY\nRECOMMENDED_FOR: RECOMMENDED_FOR\nMEDIUM: MEDIUM",
                        enum_type=VocabularyKind,
                        max_length=20,
                    ),
                ),
                ("value", fields.CharField(max_length=100)),
                ("match_key", fields.CharField(max_length=100)),
                ("position", fields.IntField(default=0)),
            ],
            options={
                "table": "vocabulary_value",
                "app": "models",
                "unique_together": (("organization_id", "kind", "match_key"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.RunPython(_forward, _backward),
    ]
