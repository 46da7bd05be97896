"""Reading the files the app hands out (CSV downloads) as a spreadsheet would."""

from __future__ import annotations

import csv
import io

BOM = b"\xef\xbb\xbf"


def csv_rows(content: bytes) -> list[list[str]]:
    """The rows of a CSV file as the app writes them (UTF-8 with a byte order mark, for spreadsheets)."""
    assert content.startswith(BOM)
    return list(csv.reader(io.StringIO(content[len(BOM) :].decode("utf-8"), newline="")))


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return csv_rows(response.content)


async def signed_in(graphql, user):
    await graphql.login(user.email)
    return graphql.headers
