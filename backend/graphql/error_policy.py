"""What a GraphQL client is told about each error, and what the log keeps.

- Errors we raise on purpose (GraphQLError: not signed in, bad argument, a limit) and the parser's and
  validator's errors go to the client as they are and are not logged: they are the caller's to fix.
  For signed-out callers (outside DEBUG) "Did you mean …?" hints are cut, so that guessing at the
  schema teaches nothing.
- A request that names nothing to run (no document, no operation, an operation the transport does not
  take) is the caller's too: BAD_REQUEST, with what to send. Over HTTP the view answers it before
  execution; over a websocket it arrives here.
- The database out of reach becomes SERVICE_UNAVAILABLE ("try again shortly"); the view answers 503.
- Anything else raised while resolving is a bug: the client gets a message with a reference ID, the
  log gets the traceback under that ID, once.
"""

from __future__ import annotations

import re

from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionContext

from backend import failures
from backend.settings import get_settings

# Wherever it stands: an input object's unknown field has its hint mid-sentence ("… Did you mean 'x'? Found: …").
_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")


def _nothing_to_run(original: BaseException | None) -> str | None:
    """What is wrong with a request that names no operation to run, in words; None for anything else."""
    if isinstance(original, MissingQueryError):
        return (
            'The request has no GraphQL document: send one in "query", such as '
            '"subscription { sessionEvents { kind } }".'
        )
    if isinstance(original, CannotGetOperationTypeError):
        return (
            f"{original.as_http_error_reason()} Send a document with one operation (a query, mutation or "
            "subscription), or name the one to run in operationName."
        )
    if isinstance(original, InvalidOperationTypeError):
        return f"{original.as_http_error_reason('this connection').capitalize()}; send it another way."
    return None


def _unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    # A variable that cannot be read (a bad date, …) is the caller's: it points at the variable and no
    # field ran. An exception from a resolver has a path; one from outside execution has no location.
    return error.path is not None or not error.nodes


def process_errors(errors: list[GraphQLError], execution_context: ExecutionContext | None) -> None:
    context = execution_context.context if execution_context else None
    signed_out = getattr(context, "viewer", None) is None and not get_settings().debug
    operation = (execution_context.operation_name if execution_context else None) or "anonymous operation"
    for index, error in enumerate(errors):
        # Errors are replaced, never changed: a validation cache shares its error objects between requests.
        if reason := _nothing_to_run(error.original_error):
            errors[index] = _replaced(error, reason, {"code": "BAD_REQUEST"})
        elif _unexpected(error):
            original = error.original_error
            assert original is not None
            if failures.database_unavailable(original):
                failures.log_unavailable(original, f"GraphQL {operation}")
                errors[index] = _replaced(error, failures.UNAVAILABLE_MESSAGE, {"code": "SERVICE_UNAVAILABLE"})
            else:
                reference = failures.log_unexpected(original, f"GraphQL {operation} at {error.path}")
                message = failures.INTERNAL_MESSAGE.format(reference=reference)
                errors[index] = _replaced(error, message, {"code": "INTERNAL_SERVER_ERROR", "reference": reference})
        elif signed_out and _SUGGESTION.search(error.message):
            errors[index] = _replaced(error, _SUGGESTION.sub("", error.message), error.extensions)


def _replaced(error: GraphQLError, message: str, extensions: dict | None) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


def unavailable(errors: list[GraphQLError] | None) -> bool:
    return any((e.extensions or {}).get("code") == "SERVICE_UNAVAILABLE" for e in errors or ())
