"""Input that must never reach the database raw: text with control characters, text longer than its
column, and instants outside the range every layer can hold. (IDs beyond the 32-bit ID columns are
`errors.UnknownId`.)

PostgreSQL cannot store NUL at all (its driver raises) and SQLite stores anything, so the text check runs
before either sees the text: on every text input of a mutation, every CSV cell, every sign-in e-mail and
every text a query filters or searches by.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

from tortoise.models import Model

# Instants are kept in UTC; a local time near year 1 or 9999 may not exist there (9999-12-31T23:59-14:00
# is in year 10000), and a session's end lies up to a day after its start. Within these bounds all is safe.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 1, tzinfo=UTC)

# Unicode's Cc characters (U+0000–U+001F, U+007F–U+009F) and surrogates (Cs): one regular expression
# finds the first, instead of asking unicodedata about every character of every cell of a bulk upload.
_CONTROL = "\x00-\x1f\x7f-\x9f\ud800-\udfff"
# Line breaks and tabs belong in multi-line text (a description); nowhere else.
_CONTROL_BUT_LINE_BREAKS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
# Invisible format characters (Cf) and the line and paragraph separators (Zl, Zp) of Unicode 14, which a
# single line of text has no use for and which can make it read other than it is (U+202E turns it
# around, U+200B hides inside a word). Kept: the zero-width non-joiner and joiner (U+200C, U+200D),
# which Hindi, Tamil and other scripts, and emoji sequences, need to render right.
_INVISIBLE = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b\u200e\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
CONTROL_CHARACTER = re.compile(f"[{_CONTROL}{_INVISIBLE}]")
CONTROL_CHARACTER_BUT_LINE_BREAKS = re.compile(f"[{_CONTROL_BUT_LINE_BREAKS}]")


def first_control_character(text: str, multi_line: bool = False) -> str | None:
    """The first control character (Unicode Cc, or a lone surrogate) in the text, or None; in single-line
    text also the first invisible format character or separator (see _INVISIBLE)."""
    found = (CONTROL_CHARACTER_BUT_LINE_BREAKS if multi_line else CONTROL_CHARACTER).search(text)
    return found[0] if found else None


def describe(character: str) -> str:
    names = {"\x00": "a NUL character", "\n": "a line break", "\r": "a line break", "\t": "a tab"}
    if character in names:
        return names[character]
    if unicodedata.category(character) in ("Cf", "Zl", "Zp"):
        return f"the invisible character U+{ord(character):04X} ({unicodedata.name(character, 'unnamed')})"
    return f"the control character U+{ord(character):04X}"


def control_character_problem(text: str | None, label: str, multi_line: bool = False) -> str | None:
    """A sentence saying why the text is refused, or None if it has no control characters."""
    found = first_control_character(text or "", multi_line)
    if found is None:
        return None
    allowed = "; line breaks and tabs are fine there" if multi_line else ""
    return f"The {label} contains {describe(found)}; remove it and type the text again{allowed}."


def longest(model: type[Model], field: str) -> int:
    """The most characters `model.field` holds: its column's max_length, the one place each size is written.
    The ORM refuses anything longer with an error of its own (a 500), quoting the value."""
    limit = model._meta.fields_map[field].max_length  # type: ignore[attr-defined]
    assert isinstance(limit, int), f"{model.__name__}.{field} has no max_length"
    return limit


def length_problem(text: str | None, model: type[Model], field: str, label: str) -> str | None:
    """A sentence saying why the text does not fit `model.field`, or None if it does:
    ("x" * 300, User, "email", "email address") → "The email address has 300 characters; at most 254 fit."
    """
    limit = longest(model, field)
    if text is None or len(text) <= limit:
        return None
    return f"The {label} has {len(text):,} characters; at most {limit:,} fit."


def instant_problem(instant: datetime) -> str | None:
    """Why this instant (with a time zone) cannot be used, or None."""
    try:
        in_utc = instant.astimezone(UTC)
    except OverflowError:
        in_utc = None
    if in_utc is None or not EARLIEST <= in_utc < LATEST:
        return (
            f"{instant.isoformat()} is outside the dates SessionDesk handles; "
            "give a date between the years 1900 and 9998."
        )
    return None
