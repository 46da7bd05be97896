"""The organisation's lists of values (vocabularies): read by everyone signed in, changed by managers."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

import strawberry

from backend import vocabulary
from backend.errors import Refused
from backend.graphql.context import Info
from backend.graphql.errors import UserError, user_errors
from backend.graphql.permissions import acting, signed_in
from backend.models import VocabularyKind as VocabularyKindModel

strawberry.enum(
    VocabularyKindModel, description="Which list of values: categories, “recommended for” values or mediums."
)
VocabularyKind = VocabularyKindModel  # the domain's enum is the GraphQL enum (see graphql/sessions/types.py)


@strawberry.type(description="The organisation's lists of values, each in display order.")
class Vocabulary:
    categories: list[str]
    recommended_for: list[str]
    mediums: list[str]


@strawberry.type
class VocabularyPayload:
    vocabulary: Vocabulary | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _vocabulary(organization_id: int) -> Vocabulary:
    lists = await vocabulary.vocabularies(organization_id)
    return Vocabulary(
        categories=lists[VocabularyKindModel.CATEGORY],
        recommended_for=lists[VocabularyKindModel.RECOMMENDED_FOR],
        mediums=lists[VocabularyKindModel.MEDIUM],
    )


async def _payload(info: Info, work: Awaitable[object]) -> VocabularyPayload:
    try:
        await work
    except Refused as refused:
        return VocabularyPayload(errors=user_errors(refused.errors))
    return VocabularyPayload(vocabulary=await _vocabulary(signed_in(info).organization_id))


@strawberry.type
class VocabularyQueries:
    @strawberry.field(
        description="The values sessions of the organisation may use for categories, recommended for and medium."
    )
    async def vocabulary(self, info: Info) -> Vocabulary:
        return await _vocabulary(signed_in(info).organization_id)


@strawberry.type
class VocabularyMutations:
    @strawberry.mutation(description="Add a value to one of the organisation's lists (managers).")
    async def add_vocabulary_value(self, info: Info, kind: VocabularyKind, value: str) -> VocabularyPayload:
        return await _payload(info, vocabulary.add_value(signed_in(info), kind, value))

    @strawberry.mutation(description="Rename a value in its list and on every session that uses it (managers).")
    async def rename_vocabulary_value(
        self,
        info: Info,
        kind: VocabularyKind,
        from_: Annotated[str, strawberry.argument(name="from")],
        to: str,
    ) -> VocabularyPayload:
        return await _payload(info, vocabulary.rename_value(acting(info), kind, from_, to))

    @strawberry.mutation(description="Remove a value no session uses (managers); refused while sessions use it.")
    async def remove_vocabulary_value(self, info: Info, kind: VocabularyKind, value: str) -> VocabularyPayload:
        return await _payload(info, vocabulary.remove_value(signed_in(info), kind, value))
