"""What every download shares: who is signed in, the refusals, and the attachment headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from backend import auth
from backend.models import User

CSV_TYPE = "text/csv; charset=utf-8"


async def signed_in(request: Request) -> User | None:
    """The person the request's cookie or bearer token belongs to, or None."""
    return await auth.request_user(request)


def not_signed_in() -> Response:
    return PlainTextResponse("Sign in first: this download needs your session cookie or a bearer token.", 401)


def attachment(filename: str) -> dict[str, str]:
    """Headers that make the browser save the response as `filename`. Header values are Latin-1: a name
    that is not plain ASCII goes as an ASCII stand-in for every browser plus the real one (RFC 6266)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    disposition = f'attachment; filename="{ascii_name}"'
    if ascii_name != filename:
        disposition += f"; filename*=UTF-8''{quote(filename)}"
    return {"Content-Disposition": disposition, "Cache-Control": "no-store"}


def csv_download(rows: AsyncIterator[str], filename: str) -> StreamingResponse:
    """A CSV file streamed as its rows are produced."""
    return StreamingResponse(rows, media_type=CSV_TYPE, headers=attachment(filename))
