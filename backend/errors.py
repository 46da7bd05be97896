"""Refusals as data: every rule that says no names the field, a code a client can branch on, and a
message that tells a person what is wrong and how to fix it (rule R8)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ErrorCode(str, Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    NOT_EDITABLE = "NOT_EDITABLE"
    MENTOR_BUSY = "MENTOR_BUSY"
    IN_PAST = "IN_PAST"
    SEATS_FULL = "SEATS_FULL"
    LOCKED = "LOCKED"
    ALREADY_DONE = "ALREADY_DONE"
    TOO_EARLY = "TOO_EARLY"
    CONFLICT = "CONFLICT"
    STALE = "STALE"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"


@dataclass(frozen=True)
class UserError:
    field: str | None
    code: ErrorCode
    message: str


class Refused(Exception):
    """Raised by domain code with every problem found, not only the first."""

    def __init__(self, errors: list[UserError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def refused(code: ErrorCode, message: str, field: str | None = None) -> Refused:
    """One problem, to raise: `raise refused(ErrorCode.NOT_FOUND, "There is no …", "id")`."""
    return Refused([UserError(field, code, message)])


# The ID columns are 32-bit integers (PostgreSQL's integer): a larger number cannot name a row.
MAX_ID = 2**31 - 1


class UnknownId(int):
    """A well-formed ID beyond MAX_ID, which no row can have. It is the number 0 to the database and to
    comparisons (no row has ID 0 either), so every lookup answers "not found" without sending PostgreSQL a
    number its integer column cannot hold; it prints as it was given, so messages quote it."""

    text: str

    def __new__(cls, text: str) -> UnknownId:
        unknown = super().__new__(cls, 0)
        unknown.text = text
        return unknown

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return format(self.text, spec)


def parse_id(value: object) -> int | None:
    """Our IDs are positive whole numbers; anything else is malformed (None). A number beyond the ID
    columns' range is well-formed but names nothing: an `UnknownId`."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 100:
        return None
    number = int(text)
    if number > MAX_ID:
        return UnknownId(text.lstrip("0"))
    return number if number > 0 else None
