"""What one GraphQL request may cost, checked before anything runs: tokens (while parsing), then depth,
aliases and an estimated cost (as validation rules), and introspection for signed-out callers.

The cost estimate counts the objects an operation could fetch: every object field costs 1 (plain
values cost nothing: they come with their object); a field that answers a list of objects costs its
size times (1 + what is asked of each item). A paged list's size is the `pageSize` (or `first`) the
query asks for — taken from the variables when it is one, with the operation's own default for a variable
not sent (`query($p: Int = 100)` is priced at 100, as it runs) — and the page's `items` inherit it, so
`sessions(pageSize: 100) { items { mentor { sessions(pageSize: 100) { items { id } } } } }` is priced
100 × 100 × …, as it would run. Lists without a size argument are priced at their real bound (a
session's mentees: the largest seats limit of the caller's organisation, which no session of theirs can
exceed; the seats maximum, 1,000, when unknown) or, when there is none, at DEFAULT_LIST_SIZE. A field
that runs database queries of its own (a list with a size argument) adds OWN_QUERY_COST, and the
filter counts (several grouped counts over the whole list) add FACETS_COST.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    get_variable_values,
    is_leaf_type,
    validate,
)
from strawberry.extensions import SchemaExtension

from backend import compat
from backend.sessions.directory import most_seats
from backend.sessions.listing import MAX_PAGE_SIZE
from backend.sessions.rules import SEATS_MAX
from backend.settings import Settings, get_settings

DEFAULT_LIST_SIZE = 20
# Measured on SQLite: one call of a paged list (a count and a page) takes about as long as 1,000
# objects fetched in batches; the filter counts take five times that.
OWN_QUERY_COST = 1000
FACETS_COST = 5000
EXTRA_COSTS = {("Query", "sessionFacets"): FACETS_COST}
# Lists whose size is known without an argument.
MENTEES = ("Session", "mentees")
LIST_BOUNDS = {MENTEES: SEATS_MAX, ("MentorRating", "breakdown"): 5}
SIZE_ARGUMENTS = ("pageSize", "first")
# Lists that hold the page their parent field's size argument asks for, besides every *Page's `items`.
PAGE_LISTS = {("SessionConnection", "edges"), ("SessionChanges", "changes")}
INTROSPECTION_LISTS = {
    "types",
    "fields",
    "args",
    "inputFields",
    "enumValues",
    "interfaces",
    "possibleTypes",
    "directives",
}
# The standard introspection query nests types → fields → args; a deeper nesting of these lists only
# serves to multiply the answer.
MAX_INTROSPECTION_LISTS = 3

# GraphQL's tokens, as graphql-core's parser counts them (comments are not tokens).
_TOKEN = re.compile(
    r'"""(?:\\"""|[^"]|"(?!""))*"""|"(?:\\.|[^"\\\n\r])*"|#[^\n\r]*|\.\.\.|[!$&():=@\[\]{|}]|-?\d[\w.+-]*|[_A-Za-z]\w*'
)


def count_tokens(query: str) -> int:
    return sum(1 for match in _TOKEN.finditer(query) if not match.group().startswith("#"))


def limit_error(code: str, message: str, **details: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **details})


def over(amount: int, limit: int) -> str:
    return f"{amount:,} (the limit is {limit:,}, {amount - limit:,} over)"


@dataclass(frozen=True)
class Measure:
    depth: int
    cost: int
    introspection_lists: int
    # Fields that run database queries of their own (paged lists, the filter counts).
    own_queries: int = 0


class _Analysis:
    """Depth and cost of one operation, walking fragments once each (memoised), so that a document of
    fragments that spread each other many times costs the server no more than it is long."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        cap: int,
        mentee_bound: int = SEATS_MAX,
    ) -> None:
        self.schema, self.fragments, self.variables, self.cap = schema, fragments, variables, cap
        self.list_bounds = {**LIST_BOUNDS, MENTEES: mentee_bound}
        self.memo: dict[tuple[str, int], Measure] = {}
        self.in_progress: set[str] = set()

    def size_argument(self, field: FieldNode, defaults: dict[str, Any]) -> int | None:
        for argument_name in SIZE_ARGUMENTS:
            if argument_name not in defaults:
                continue
            node = next((a.value for a in field.arguments or () if a.name.value == argument_name), None)
            value: Any = defaults[argument_name]
            if isinstance(node, IntValueNode):
                value = int(node.value)
            elif isinstance(node, VariableNode):
                value = self.variables.get(node.name.value, value)
            elif node is not None:
                value = None
            # A size the resolver will refuse is priced at the most it could be: refusing is cheap, but
            # the estimate must never be below what could run.
            return value if isinstance(value, int) and 1 <= value <= MAX_PAGE_SIZE else MAX_PAGE_SIZE
        return None

    def selection_set(self, node: SelectionSetNode | None, parent: GraphQLNamedType, page_size: int) -> Measure:
        depth = cost = lists = own_queries = 0
        if node is None:
            return Measure(0, 0, 0)
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                measure = self.field(selection, parent, page_size)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                fragment_type = self.schema.get_type(condition.name.value) if condition else parent
                measure = self.selection_set(selection.selection_set, fragment_type or parent, page_size)
            elif isinstance(selection, FragmentSpreadNode):
                measure = self.spread(selection.name.value, page_size)
            else:  # pragma: no cover - the three kinds above are all GraphQL has
                continue
            depth, cost, lists = max(depth, measure.depth), cost + measure.cost, max(lists, measure.introspection_lists)
            own_queries += measure.own_queries
            if cost > self.cap:
                break
        return Measure(depth, min(cost, self.cap + 1), lists, own_queries)

    def spread(self, name: str, page_size: int) -> Measure:
        key = (name, page_size)
        if key in self.memo:
            return self.memo[key]
        fragment = self.fragments.get(name)
        if fragment is None or name in self.in_progress:
            return Measure(0, 0, 0)  # unknown fragments and cycles are reported by the standard rules
        fragment_type = self.schema.get_type(fragment.type_condition.name.value)
        if fragment_type is None:
            return Measure(0, 0, 0)
        self.in_progress.add(name)
        measure = self.selection_set(fragment.selection_set, fragment_type, page_size)
        self.in_progress.discard(name)
        self.memo[key] = measure
        return measure

    def field(self, node: FieldNode, parent: GraphQLNamedType, page_size: int) -> Measure:
        name = node.name.value
        if name == "__typename":
            return Measure(0, 0, 0)
        if name.startswith("__"):
            return self.introspection(node)
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) or name not in parent.fields:
            return Measure(0, 0, 0)  # reported by the standard rules
        definition = parent.fields[name]
        named = get_named_type(definition.type)
        defaults = {arg_name: arg.default_value for arg_name, arg in definition.args.items()}
        own_size = self.size_argument(node, defaults)
        child_page = own_size if own_size is not None else page_size
        children = self.selection_set(node.selection_set, named, child_page)
        multiplier = 1
        if isinstance(get_nullable_type(definition.type), GraphQLList) and not is_leaf_type(named):
            if own_size is not None:
                multiplier = own_size
            elif name == "items" and parent.name.endswith("Page") or (parent.name, name) in PAGE_LISTS:
                multiplier = page_size
            else:
                multiplier = self.list_bounds.get((parent.name, name), DEFAULT_LIST_SIZE)
        extra = OWN_QUERY_COST if own_size is not None else EXTRA_COSTS.get((parent.name, name), 0)
        own = 0 if is_leaf_type(named) else 1
        cost = min(extra + multiplier * (own + children.cost), self.cap + 1)
        return Measure(children.depth + 1, cost, 0, children.own_queries + (1 if extra else 0))

    def introspection(self, node: FieldNode) -> Measure:
        """Introspection answers from the schema, never the database: it costs 1 and adds no depth, but
        its nested lists are counted so that `types { fields { type { fields { … } } } }` is refused."""
        deepest = 0

        def walk(selection_set: SelectionSetNode | None, seen: frozenset[str]) -> Iterator[int]:
            for selection in selection_set.selections if selection_set else ():
                if isinstance(selection, FieldNode):
                    here = 1 if selection.name.value in INTROSPECTION_LISTS else 0
                    yield here
                    for below in walk(selection.selection_set, seen):
                        yield here + below
                elif isinstance(selection, InlineFragmentNode):
                    yield from walk(selection.selection_set, seen)
                elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                    fragment = self.fragments.get(selection.name.value)
                    if fragment is not None:
                        yield from walk(fragment.selection_set, seen | {selection.name.value})

        for count in walk(node.selection_set, frozenset()):
            deepest = max(deepest, count)
            if deepest > MAX_INTROSPECTION_LISTS:
                break
        return Measure(0, 1, deepest)


def measure_operation(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    cap: int,
    mentee_bound: int = SEATS_MAX,
) -> Measure:
    root = schema.get_root_type(operation.operation)
    if root is None:
        return Measure(0, 0, 0)
    values = operation_variables(schema, operation, variables)
    analysis = _Analysis(schema, fragments, values, cap, mentee_bound)
    return analysis.selection_set(operation.selection_set, root, MAX_PAGE_SIZE)


def operation_variables(
    schema: GraphQLSchema, operation: OperationDefinitionNode, sent: dict[str, Any]
) -> dict[str, Any]:
    """The variables as the operation will run with them: what was sent, coerced, and the operation's
    defaults for what was not (graphql-core's own coercion, as execution does it). Variables that do not
    coerce are answered by execution with an error, before anything runs; they are priced as sent."""
    coerced = get_variable_values(schema, operation.variable_definitions or (), sent)
    return sent if isinstance(coerced, list) else coerced.coerced


def operation_over_limits(settings: Settings, measure: Measure) -> GraphQLError | None:
    """The first limit an operation's measure is over, as the error that says so; None within every limit.
    Its cost was counted past the limit, to say by how much, but stops at 1,000 times it."""
    cap = settings.graphql_max_cost
    ceiling = cap * 1000
    if measure.depth > settings.graphql_max_depth:
        return limit_error(
            "QUERY_TOO_DEEP",
            f"The query nests fields {over(measure.depth, settings.graphql_max_depth)} levels deep. "
            "Ask for nested objects in a separate request.",
            limit=settings.graphql_max_depth,
            actual=measure.depth,
        )
    if measure.cost > cap:
        shown = over(measure.cost, cap) if measure.cost <= ceiling else f"more than {ceiling:,} (the limit is {cap:,})"
        return limit_error(
            "QUERY_TOO_COMPLEX",
            f"The query's estimated cost is {shown}: each object costs 1, a list its page size "
            "times what each item asks for, and each paged list 1,000 more. "
            "Ask for smaller pages or fewer nested lists.",
            limit=cap,
            actual=measure.cost if measure.cost <= ceiling else None,
        )
    if measure.introspection_lists > MAX_INTROSPECTION_LISTS:
        return limit_error(
            "QUERY_TOO_DEEP",
            "The introspection query nests "
            f"{over(measure.introspection_lists, MAX_INTROSPECTION_LISTS)} lists "
            "(types, fields, args, …). The standard introspection query needs 3.",
            limit=MAX_INTROSPECTION_LISTS,
            actual=measure.introspection_lists,
        )
    return None


def limits_rule(
    settings: Settings, variables: dict[str, Any], allow_introspection: bool, mentee_bound: int = SEATS_MAX
) -> type[ValidationRule]:
    """A validation rule bound to this request's variables and caller (and the most mentees a session
    of the caller's organisation can hold)."""

    class QueryLimits(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)

        def enter_document(self, node: DocumentNode, *_: Any) -> Any:
            report: Callable[[GraphQLError], None] = self.report_error
            fragments = {d.name.value: d for d in node.definitions if isinstance(d, FragmentDefinitionNode)}
            aliases = _count_aliases(node)
            if aliases > settings.graphql_max_aliases:
                report(
                    limit_error(
                        "TOO_MANY_ALIASES",
                        f"The query uses {over(aliases, settings.graphql_max_aliases)} aliases. "
                        "Ask for each field once, or send several smaller requests.",
                        limit=settings.graphql_max_aliases,
                        actual=aliases,
                    )
                )
                return self.BREAK
            for operation in node.definitions:
                if not isinstance(operation, OperationDefinitionNode):
                    continue
                measure = measure_operation(
                    self.context.schema, operation, fragments, variables, settings.graphql_max_cost * 1000, mentee_bound
                )
                if (error := operation_over_limits(settings, measure)) is not None:
                    report(error)
            return None

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if not allow_introspection and node.name.value in ("__schema", "__type"):
                self.report_error(
                    limit_error(
                        "INTROSPECTION_DISABLED",
                        "The schema can be explored by signed-in callers only. Sign in first, or read schema.graphql.",
                    )
                )

    return QueryLimits


def _count_aliases(document: DocumentNode) -> int:
    count = 0
    stack: list[Any] = [d.selection_set for d in document.definitions if hasattr(d, "selection_set")]
    while stack:
        selection_set = stack.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode) and selection.alias is not None:
                count += 1
            if isinstance(selection, FieldNode | InlineFragmentNode):
                stack.append(selection.selection_set)
    return count


class TokenLimit(SchemaExtension):
    """Counts the tokens before the document is parsed (place it before any parser cache)."""

    def on_parse(self) -> Iterator[None]:
        settings = get_settings()
        query = self.execution_context.query or ""
        tokens = count_tokens(query)
        if tokens > settings.graphql_max_tokens:
            raise limit_error(
                "TOO_MANY_TOKENS",
                f"The query has {over(tokens, settings.graphql_max_tokens)} tokens. Send a shorter query.",
                limit=settings.graphql_max_tokens,
                actual=tokens,
            )
        # graphql-core's own count is the backstop should the two ever differ.
        self.execution_context.parse_options["max_tokens"] = settings.graphql_max_tokens + 1
        yield


# What the limits said of recent requests, by query text, variables and caller: the same list page asked
# again and again is measured once. Bounded, so unusual requests cannot grow memory; requests with
# large variables are measured every time rather than kept.
MEASURED_MAX = 256
MEASURED_VARIABLES_MAX = 1000  # characters of the variables' JSON
_measured: OrderedDict[tuple[object, ...], list[GraphQLError]] = OrderedDict()


def _refusals(
    schema: GraphQLSchema,
    document: DocumentNode,
    query: str | None,
    variables: dict[str, Any],
    allow_introspection: bool,
    mentee_bound: int = SEATS_MAX,
) -> list[GraphQLError]:
    settings = get_settings()
    try:
        shown = json.dumps(variables, sort_keys=True)
    except (TypeError, ValueError):  # an uploaded file: measured, not kept
        shown = None
    limits = (settings.graphql_max_aliases, settings.graphql_max_cost, settings.graphql_max_depth)
    key = (query, shown, allow_introspection, limits, mentee_bound)
    if query is None or shown is None or len(shown) > MEASURED_VARIABLES_MAX:
        return validate(schema, document, [limits_rule(settings, variables, allow_introspection, mentee_bound)])
    if key in _measured:
        _measured.move_to_end(key)
        return _measured[key]
    refused = validate(schema, document, [limits_rule(settings, variables, allow_introspection, mentee_bound)])
    _measured[key] = refused
    if len(_measured) > MEASURED_MAX:
        _measured.popitem(last=False)
    return refused


class QueryLimits(SchemaExtension):
    """Depth, aliases, cost and introspection, checked for this request's variables and caller before
    the operation runs. Not a cached validation rule: the same text may be cheap with one pageSize and
    refused with another, allowed signed in and refused signed out, so its answers are kept by text,
    variables and caller (`_refusals`). A query that asks for mentees first asks the database for the
    largest seats limit of the caller's organisation (one index probe). Place it after a validation cache."""

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.graphql_document is not None:
            settings = get_settings()
            viewer = getattr(context.context, "viewer", None)
            mentee_bound = SEATS_MAX
            if viewer is not None and "mentees" in (context.query or ""):
                mentee_bound = await most_seats(viewer.organization_id)
            refused = _refusals(
                compat.graphql_core_schema(context.schema),
                context.graphql_document,
                context.query,
                context.variables or {},
                allow_introspection=viewer is not None or settings.debug,
                mentee_bound=mentee_bound,
            )
            if refused or context.pre_execution_errors is not None:
                # A new list: a validation cache hands out the same one (and the same errors) to every
                # request of this text. Strawberry skips its own validation when errors are already there.
                context.pre_execution_errors = [*refused, *(context.pre_execution_errors or [])]
        yield
