"""From the uploaded bytes to a table of rows: the checks of the file as a whole (size, encoding,
separator, header, row count), each refusal one message that names the problem and the fix."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from backend.bulk_upload import columns, messages
from backend.csv_format import from_safe_cell
from backend.sessions.rules import bounded, listed

FILE_MESSAGE_MAX = 2000
# The sample file has 17 columns and a result file a few more; a header far wider is refused from
# its first line, before any of it is read as CSV.
HEADER_MAX_COLUMNS = 100
SEPARATORS = (",", ";")
_OTHER_SEPARATORS = {"\t": "tabs", "|": "vertical bars (|)"}


class FileRefused(Exception):
    """The file as a whole cannot be used; the message says why and how to fix it."""

    def __init__(self, message: str) -> None:
        # Stored with the upload and shown in its history: never longer than FILE_MESSAGE_MAX.
        message = bounded(message, FILE_MESSAGE_MAX)
        super().__init__(message)
        self.message = message


@dataclass
class Row:
    number: int  # as a spreadsheet numbers it: the header is row 1
    cells: list[str]  # as uploaded, as wide as the header
    values: dict[str, str]  # column key → the cell, trimmed ("" when blank or the column is absent)
    extra_cells: int = 0  # filled cells beyond the header

    def value(self, key: str) -> str:
        return self.values.get(key, "")


@dataclass
class Table:
    text: str  # the decoded file, without BOM: what is stored and read again by the job
    header: list[str]
    keys: list[str | None]  # the column key of each header cell; None for a result column we ignore
    rows: list[Row] = field(default_factory=list)

    @property
    def id_position(self) -> int:
        return self.keys.index("id")


def _size_text(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit:,} bytes"


def decode(data: bytes, max_bytes: int) -> str:
    """The file as text, or FileRefused when it is too big, not text, or not UTF-8."""
    if len(data) > max_bytes:
        raise FileRefused(messages.FILE_TOO_LARGE.format(limit=_size_text(max_bytes)))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(messages.FILE_UTF16)
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # .xlsx (a zip) and the old .xls
        raise FileRefused(messages.FILE_SPREADSHEET)
    if b"\x00" in data:
        # UTF-16 without its byte order mark has a zero byte beside every ASCII letter.
        zeros = data[:2000:2].count(0) + data[1:2000:2].count(0)
        raise FileRefused(messages.FILE_UTF16 if zeros >= len(data[:2000]) // 3 else messages.FILE_BINARY)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        byte = data[error.start]
        raise FileRefused(
            messages.FILE_NOT_UTF8.format(
                line=data[: error.start].count(b"\n") + 1,
                byte=byte,
                guess=bytes([byte]).decode("cp1252", "replace"),
            )
        ) from None
    controls = sum(1 for c in text[:4000] if ord(c) < 32 and c not in "\t\r\n")
    if controls > len(text[:4000]) // 100:
        raise FileRefused(messages.FILE_BINARY)
    if not text.strip():
        raise FileRefused(messages.FILE_EMPTY)
    return text


def sniff_separator(text: str) -> str:
    """Comma or semicolon, whichever the header line uses more; other separators are refused."""
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    commas, semicolons = first_line.count(","), first_line.count(";")
    if commas or semicolons:
        return "," if commas >= semicolons else ";"
    for separator, name in _OTHER_SEPARATORS.items():
        if separator in first_line:
            raise FileRefused(messages.FILE_DELIMITER.format(separator=name))
    return ","


def _check_width(text: str, separator: str) -> None:
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    count = first_line.rstrip(separator + " \t\r").count(separator) + 1  # trailing empty cells do not count
    if count > HEADER_MAX_COLUMNS:
        raise FileRefused(messages.HEADER_TOO_WIDE.format(count=f"{count:,}", limit=HEADER_MAX_COLUMNS))


def _records(text: str, separator: str) -> Iterator[list[str]]:
    """The cells of each CSV record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise FileRefused(messages.FILE_BAD_QUOTES.format(line=line)) from None
        yield cells


def _cell_value(cell: str) -> str:
    text = cell.strip()
    return from_safe_cell(text) if text.startswith("'") else text


def _header_keys(header: list[str]) -> list[str | None]:
    keys: list[str | None] = []
    unknown, unnamed, seen, duplicates = [], [], set(), []
    for position, name in enumerate(header, start=1):
        if not name:
            unnamed.append(position)
            keys.append(None)
            continue
        key = columns.key_of_header(name)
        if key is None and not columns.is_result_column(name):
            unknown.append(name)
        if key is not None and key in seen:
            duplicates.append(columns.BY_KEY[key].name)
        seen.add(key)
        keys.append(key)
    missing = [columns.BY_KEY[k].name for k in columns.REQUIRED if k not in seen]
    problems = []
    # However wide the header, the message names a few columns and counts the rest ("and 999,995 more").
    if unknown:
        problems.append(messages.HEADER_UNKNOWN.format(names=listed([n[:40] for n in unknown], quote=True)))
    if missing:
        problems.append(messages.HEADER_MISSING.format(names=listed(missing, shown=len(missing), quote=True)))
    problems += [messages.HEADER_DUPLICATE.format(name=f"“{n}”") for n in dict.fromkeys(duplicates)]
    if len(unnamed) == 1:
        problems.append(messages.HEADER_UNNAMED.format(position=unnamed[0]))
    elif unnamed:
        problems.append(messages.HEADER_UNNAMED_MANY.format(positions=listed([f"{p:,}" for p in unnamed])))
    if problems:
        problems.append(messages.HEADER_FIX.format(names=",".join(columns.HEADER)))
        raise FileRefused(" ".join(problems))
    return keys


def _read_header(records: Iterator[tuple[int, list[str]]]) -> list[str]:
    for _, cells in records:
        if any(c.strip() for c in cells):
            header = [c.strip().lstrip("\ufeff") for c in cells]
            while not header[-1]:
                header.pop()  # trailing empty header cells: a spreadsheet's untouched columns
            return header
    raise FileRefused(messages.FILE_EMPTY)


def read_header(text: str) -> list[str]:
    """The header of a file already accepted, as uploaded."""
    return _read_header(enumerate(_records(text, sniff_separator(text)), start=1))


def read_table(text: str) -> Table:
    """Header and rows of decoded text; FileRefused when the separator, quotes or header are wrong.
    Rows whose cells are all blank are left out (spreadsheets add them), keeping the others' numbers."""
    separator = sniff_separator(text)
    _check_width(text, separator)
    records = enumerate(_records(text, separator), start=1)
    header = _read_header(records)
    table = Table(text=text, header=header, keys=_header_keys(header))
    width = len(header)
    for number, cells in records:
        if not any(c.strip() for c in cells):
            continue
        extra = sum(1 for c in cells[width:] if c.strip())
        cells = (cells + [""] * width)[:width]
        values = {key: _cell_value(cell) for key, cell in zip(table.keys, cells, strict=True) if key}
        table.rows.append(Row(number=number, cells=cells, values=values, extra_cells=extra))
    return table


def read_upload(data: bytes, max_bytes: int, max_rows: int) -> Table:
    """Every check of the file as a whole, in the order a person would fix them."""
    table = read_table(decode(data, max_bytes))
    if not table.rows:
        raise FileRefused(messages.FILE_HEADER_ONLY)
    if len(table.rows) > max_rows:
        raise FileRefused(messages.FILE_TOO_MANY_ROWS.format(count=f"{len(table.rows):,}", limit=f"{max_rows:,}"))
    return table
