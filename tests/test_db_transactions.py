"""What compat.release_failed_transactions relies on in Tortoise, and that a transaction cut off at its BEGIN
no longer leaves its task bound to a dead connection."""

from __future__ import annotations

import pytest
from tortoise.backends.base.client import TransactionContextPooled
from tortoise.backends.sqlite.client import SqliteTransactionContext
from tortoise.transactions import in_transaction

from backend.compat import release_failed_transactions
from backend.models import Organization
from tests.support import outage
from tests.support.databases import ON_POSTGRES


def test_tortoise_s_transaction_contexts_still_bind_their_connection_under_token():
    # orm_compat undoes a failed entry only when `token` is set; a rename would make the fix silently idle.
    release_failed_transactions()
    for context in (TransactionContextPooled, SqliteTransactionContext):
        assert "token" in context.__slots__
        assert getattr(context.__aenter__, "_sessiondesk_undoes_failed_begin", False)


@ON_POSTGRES
async def test_after_a_transaction_is_cut_off_at_its_start_the_same_task_reaches_the_database_again(db):
    await Organization.create(name="Before")
    outage.begin_unnoticed(db.database_url)

    with pytest.raises(Exception, match="closed|terminat"):
        async with in_transaction():
            await Organization.create(name="Lost")

    # The same task (a background worker's lives as long as the process) works again at once.
    assert await Organization.all().count() == 1
    async with in_transaction():
        await Organization.create(name="After")
    assert sorted(await Organization.all().values_list("name", flat=True)) == ["After", "Before"]
