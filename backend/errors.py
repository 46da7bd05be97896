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


def parse_id(value: object) -> int | None:
    """Our IDs are positive whole numbers; anything else is malformed (None)."""
    text = str(value).strip()
    if not text.isdigit() or len(text) > 12:
        return None
    number = int(text)
    return number if number > 0 else None
