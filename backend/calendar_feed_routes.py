"""The calendar feed's web routes: `GET /calendar/{token}.ics` answers a person's feed (backend/calendar_feed.py),
anything else under /calendar/ a plain 404."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend import calendar_feed


async def feed(request: Request) -> Response:
    person = await calendar_feed.person_of(request.path_params["token"])
    if person is None:
        return await no_feed(request)
    return Response(
        await calendar_feed.feed_ics(person),
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, no-cache", "Content-Disposition": 'inline; filename="sessions.ics"'},
    )


async def no_feed(request: Request) -> Response:
    return Response("No calendar feed at this address; it may have been reset.", 404, media_type="text/plain")


# Anything else under /calendar/ is a feed address gone wrong, not a page of the browser app.
calendar_feed_routes = [
    Route(calendar_feed.PATH, feed, methods=["GET"]),
    Route("/calendar/{rest:path}", no_feed, methods=["GET"]),
]
