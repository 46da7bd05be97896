"""Text that must never reach the database raw: control characters are refused, not stored.

PostgreSQL cannot store NUL at all (its driver raises) and SQLite stores anything, so the check runs
before either sees the text: on every text input of a mutation, every CSV cell, every sign-in e-mail and
every text a query filters or searches by.
"""

from __future__ import annotations

import unicodedata

# Line breaks and tabs belong in multi-line text (a description); nowhere else.
MULTI_LINE_ALLOWED = frozenset("\n\r\t")


def first_control_character(text: str, multi_line: bool = False) -> str | None:
    """The first control character (Unicode Cc, or a lone surrogate) in the text, or None."""
    for character in text:
        if multi_line and character in MULTI_LINE_ALLOWED:
            continue
        if unicodedata.category(character) in ("Cc", "Cs"):
            return character
    return None


def describe(character: str) -> str:
    names = {"\x00": "a NUL character", "\n": "a line break", "\r": "a line break", "\t": "a tab"}
    return names.get(character, f"the control character U+{ord(character):04X}")


def control_character_problem(text: str | None, label: str, multi_line: bool = False) -> str | None:
    """A sentence saying why the text is refused, or None if it has no control characters."""
    found = first_control_character(text or "", multi_line)
    if found is None:
        return None
    allowed = "; line breaks and tabs are fine there" if multi_line else ""
    return f"The {label} contains {describe(found)}; remove it and type the text again{allowed}."
