"""GraphQL shapes of refusals and bad arguments."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from backend import errors

strawberry.enum(errors.ErrorCode, description="What kind of refusal; clients branch on it.")
ErrorCode = errors.ErrorCode


@strawberry.type(description="One problem with a mutation's input: the field, a code, and a message for people.")
class UserError:
    field: str | None
    code: ErrorCode
    message: str

    @classmethod
    def from_domain(cls, error: errors.UserError) -> UserError:
        return cls(field=error.field, code=error.code, message=error.message)


def user_errors(domain_errors: list[errors.UserError]) -> list[UserError]:
    return [UserError.from_domain(e) for e in domain_errors]


class BadArgument(GraphQLError):
    """A query argument that cannot be used; the message says why and what to send instead."""

    def __init__(self, message: str, code: str = "BAD_USER_INPUT"):
        super().__init__(message, extensions={"code": code})


def require_id(value: strawberry.ID, what: str) -> int:
    number = errors.parse_id(value)
    if number is None:
        raise BadArgument(f"{what} {value!r} is not a valid ID; IDs are positive whole numbers such as 42.")
    return number


async def read_upload(value: object, variable: str, limit: int) -> bytes:
    """The first `limit` bytes of an uploaded file. A file arrives only in a multipart request (the
    GraphQL multipart request spec); any other value in its place is the caller's mistake."""
    read = getattr(value, "read", None)
    if read is None:
        raise BadArgument(
            f"{variable} must be a file sent as a multipart request (operations, map and the file); "
            "a value written in the query or in JSON variables is not a file."
        )
    data = await read(limit)
    return data if isinstance(data, bytes) else str(data).encode()
