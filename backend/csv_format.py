"""How SessionDesk writes CSV for spreadsheets: UTF-8 with BOM, safe cells, local dates and times."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell a spreadsheet will show as text, never run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


_FORMULA_FIRST = frozenset(_FORMULA_STARTS)


def safe_text(text: str) -> str:
    """`safe_cell` for a str, in the few operations a download of 100,000 rows can afford per cell."""
    return "'" + text if text[:1] in _FORMULA_FIRST else text


def from_safe_cell(text: str) -> str:
    """What `safe_cell` protected, unprotected: a file we wrote can be read back unchanged."""
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_STARTS) else text


def csv_line(cells: Iterable[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([safe_cell(c) for c in cells])
    return buffer.getvalue()


def zone_label(zone: ZoneInfo) -> str:
    return "IST" if zone.key == "Asia/Kolkata" else zone.key


def local_date(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%d-%m-%Y")


def local_time(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%H:%M")
