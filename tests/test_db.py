"""backend/db.py's after-commit hook: whoever acts on what a transaction wrote (the mail sender, live
subscribers, the bulk runner) is woken once it has committed, never for a transaction rolled back."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import weakref

import pytest
from tortoise import Tortoise
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.transactions import in_transaction

from backend.db import after_commit, transaction
from backend.models import Organization


class Witness:
    """A callback that notes, when it runs, whether the row is there and the transaction is over."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.seen: list[tuple[bool, bool]] = []

    async def __call__(self) -> None:
        in_a_transaction = isinstance(Tortoise.get_connection("default"), TransactionalDBClient)
        self.seen.append((await Organization.filter(name=self.name).exists(), in_a_transaction))


async def test_a_callback_runs_once_the_transaction_committed_and_sees_its_writes(db):
    witness = Witness("Committed")

    async with transaction():
        await Organization.create(name="Committed")
        await after_commit(witness)
        assert witness.seen == []  # not while the transaction is open

    assert witness.seen == [(True, False)]


async def test_a_callback_of_a_transaction_rolled_back_never_runs(db):
    witness = Witness("Rolled back")

    with pytest.raises(RuntimeError, match="refused"):
        async with transaction():
            await Organization.create(name="Rolled back")
            await after_commit(witness)
            raise RuntimeError("refused")

    assert witness.seen == []
    assert not await Organization.filter(name="Rolled back").exists()


async def test_a_savepoint_rolled_back_drops_its_callbacks_and_the_outer_ones_wait_for_the_commit(db):
    outer, inner = Witness("Outer"), Witness("Inner")

    async with transaction():
        await Organization.create(name="Outer")
        await after_commit(outer)
        with pytest.raises(RuntimeError):
            async with transaction():
                await Organization.create(name="Inner")
                await after_commit(inner)
                raise RuntimeError("inner refused")
        assert outer.seen == []

    assert outer.seen == [(True, False)]
    assert inner.seen == []


async def test_outside_a_transaction_a_callback_runs_at_once(db):
    witness = Witness("Autocommit")
    await Organization.create(name="Autocommit")

    await after_commit(witness)

    assert witness.seen == [(True, False)]


async def test_a_callback_inside_a_transaction_the_hook_cannot_see_is_refused_rather_than_run_early(db):
    async with in_transaction():
        with pytest.raises(RuntimeError, match="backend.db.transaction"):
            await after_commit(Witness("Early"))


async def test_a_failing_callback_does_not_turn_a_committed_change_into_an_error(db, caplog):
    witness = Witness("Committed anyway")

    def broken() -> None:
        raise ValueError("the sender is gone")

    async with transaction():
        await Organization.create(name="Committed anyway")
        await after_commit(broken)
        await after_commit(witness)

    assert witness.seen == [(True, False)]  # the callbacks after it still ran
    assert "An after-commit callback failed" in caplog.text


@pytest.mark.parametrize("outcome", ["committed", "rolled back"])
async def test_what_a_transaction_handed_its_callbacks_is_not_kept_by_timers_it_started(db, outcome):
    # A timer keeps a copy of the context it was started in, as asyncpg's statement cache does for 5 minutes
    # with each statement a transaction prepares: that must not keep, say, a bulk upload batch's changes.
    class Batch:
        pass

    batch = Batch()
    kept = weakref.ref(batch)
    with contextlib.suppress(RuntimeError):
        async with transaction():
            await after_commit(lambda held=batch: None)
            timer = asyncio.get_running_loop().call_later(3600, lambda: None)
            if outcome == "rolled back":
                raise RuntimeError("rolled back")
    del batch
    gc.collect()
    assert kept() is None
    timer.cancel()
