"""The web application: GraphQL, downloads, media and the browser app, on one Starlette app."""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from datetime import timedelta
from json import JSONDecodeError
from pathlib import Path
from typing import Any

from cross_web import HTTPException as GraphQLHTTPException
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from backend import auth, compat, downloads, graphiql
from backend.access_tokens import SignedIn
from backend.background import BackgroundWorker
from backend.body_limits import BodyLimit, TooDeeplyNested, decode_json
from backend.bulk_upload.job import BulkUploadRunner
from backend.calendar_feed_routes import calendar_feed_routes
from backend.db import close_database, open_database
from backend.events import bus
from backend.failures import UNAVAILABLE_MESSAGE, FailureResponses, error_body, log_unavailable
from backend.graphql import error_policy
from backend.graphql.context import Context
from backend.graphql.live import limits
from backend.graphql.permissions import NotSignedIn
from backend.graphql.schema import schema
from backend.health import healthz, readyz
from backend.housekeeping import Housekeeper
from backend.mail.reminders import ReminderSender
from backend.mail.sender import MailSender
from backend.metrics_route import metrics
from backend.observability import RequestLog
from backend.outages import database_unavailable
from backend.sessions.lifecycle import OverdueSessionCompleter
from backend.settings import Settings, get_settings, use_settings


def frontend_dir() -> Path:
    """The browser app: shipped inside the package by `pip install .` (see setup.py), or beside it in the
    source tree."""
    here = Path(__file__).resolve().parent
    packaged = here / "frontend"
    return packaged if (packaged / "index.html").is_file() else here.parent / "frontend"


FRONTEND_DIR = frontend_dir()
# Headers a hosted API explorer may send cross-origin (CORS_ALLOW_ORIGINS). Not X-Requested-With: the
# cookie is never allowed cross-origin, and that header is what the CSRF rule asks of cookie requests.
CORS_HEADERS = [
    "Authorization",
    "Content-Type",
    "Accept",
    "X-Request-ID",
    "Apollo-Require-Preflight",
    "Apollographql-Client-Name",
    "Apollographql-Client-Version",
]

CSRF_MESSAGE = (
    "This request is signed in with the browser cookie but has no X-Requested-With header. "
    "Add the header (any value), or sign in with Authorization: Bearer <token>."
)


VIEWER_KEY = "sessiondesk.viewer"
# Set on a websocket's scope: whose connection slot it holds (backend/graphql/live/limits.py), and why
# its connection_init was refused when that was not the sign-in.
CONNECTION_SLOT_KEY = "sessiondesk.connection_slot"
REFUSAL_KEY = "sessiondesk.refusal"
SIGN_IN_FIRST = (
    "Sign in first: connect with the browser cookie, or send connection_init with the payload "
    '{"authorization": "Bearer <token>"}.'
)


# A websocket has this long to sign in (connection_init) before it is closed (4408), and one client address
# may hold at most LIVE_MAX_SIGNED_OUT sockets that have not signed in yet (per app process).
SIGN_IN_SECONDS = 10
TOO_MANY_SIGNED_OUT_CODE = 1008  # policy violation
TOO_MANY_SIGNED_OUT = "Too many connections from your address are waiting to sign in; sign in on the open ones."
FRAME_TOO_LARGE_CODE = 1009  # the WebSocket standard's "message too big"
DATABASE_UNAVAILABLE_CODE = 1013  # the WebSocket standard's "try again later"
NOT_AN_OBJECT = 'A GraphQL request is a JSON object, such as {"query": "{ viewer { id } }"}.'


class SignedOutSockets:
    """Websockets that have not signed in yet, per client address, in this process."""

    def __init__(self) -> None:
        self.open: Counter[str] = Counter()

    def take(self, address: str, limit: int) -> bool:
        if self.open[address] >= limit:
            return False
        self.open[address] += 1
        return True

    def give_back(self, address: str) -> None:
        self.open[address] -= 1
        if self.open[address] <= 0:
            del self.open[address]


signed_out_sockets = SignedOutSockets()
SIGNED_OUT_SLOT_KEY = "sessiondesk.signed_out_slot"


NOT_A_MESSAGE = 'A graphql-transport-ws message is a JSON object with a "type", such as {"type": "ping"}.'
# A close reason fits in 123 bytes.
NOT_A_SUBSCRIBE = 'A subscribe message needs a text "id" and a "payload" object with a text "query".'


def _message_problem(message: object) -> str | None:
    """Why a graphql-transport-ws frame's JSON is not a message Strawberry's handler can take, or None."""
    if not (isinstance(message, dict) and isinstance(message.get("type"), str)):
        return NOT_A_MESSAGE
    if message["type"] != "subscribe":
        return None
    payload = message.get("payload")
    shaped = (
        isinstance(message.get("id"), str)
        and isinstance(payload, dict)
        and isinstance(payload.get("query"), str)
        and all(isinstance(payload.get(key), dict | None) for key in ("variables", "extensions"))
        and isinstance(payload.get("operationName"), str | None)
    )
    return None if shaped else NOT_A_SUBSCRIBE


class LiveSocket(ASGIWebSocketAdapter):
    """The websocket as Strawberry's graphql-transport-ws handler reads it, with these changes:

    - A frame of JSON that is not an object with a text "type" (`0`, `[]`, `{}`), or a subscribe message of
      the wrong shape, closes the connection with 4400 and what is wrong, as a frame that is not JSON
      does; Strawberry's handler would fail on it.
    - What a subscription sends, or a second close, after the connection was closed is dropped, not an
      error in its task.
    - Strawberry closes every refused connection_init with 4403 Forbidden; one refused for being one
      connection too many is closed with its own code and reason, so that the client is not told to sign in.
    """

    async def iter_json(self, *, ignore_parsing_errors: bool = False) -> AsyncGenerator[object, None]:
        """Strawberry's, with the frame's size checked before it is parsed (JSON_MAX_BYTES, as a body's) and a
        frame nested too deeply for the parser closed with 4400 rather than failing with a RecursionError."""
        limit = get_settings().json_max_bytes
        try:
            while not self.closed():
                text = await self.ws.receive_text()
                if len(text) > limit or len(text.encode()) > limit:
                    await self.close(FRAME_TOO_LARGE_CODE, f"A message may have at most {limit:,} bytes.")
                    return
                try:
                    message = decode_json(text)
                except TooDeeplyNested as nested:
                    await self.close(4400, str(nested))
                    return
                except JSONDecodeError as error:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from error
                    continue
                if problem := _message_problem(message):
                    await self.close(4400, problem)
                    return
                yield message
        except KeyError as error:
            raise NonTextMessageReceived from error
        except WebSocketDisconnect:
            pass

    def closed(self) -> bool:
        return compat.adapter_websocket(self).application_state == WebSocketState.DISCONNECTED

    async def send_json(self, message: Mapping[str, object]) -> None:
        # A subscription may have something to say, or a reason to close, after the connection was closed
        # (a refused frame closed it while the subscription was starting): nobody is there to hear it.
        if not self.closed():
            await super().send_json(message)

    async def close(self, code: int, reason: str) -> None:
        refusal = compat.adapter_websocket(self).scope.pop(REFUSAL_KEY, None)
        if refusal is not None and code == 4403:
            code, reason = refusal
        if not self.closed():
            await super().close(code, reason)


def _sign_in(context: Context, signed_in: SignedIn | None) -> None:
    context.viewer = signed_in.user if signed_in else None
    if signed_in is not None:
        context.scopes, context.access_token_id = signed_in.scopes, signed_in.access_token_id


class GraphQLView(GraphQL[Context, None]):
    websocket_adapter_class = LiveSocket

    def decode_json(self, data: str | bytes) -> object:
        return decode_json(data)

    def parse_json(self, data: str | bytes) -> Any:
        """A JSON body, or 400: one nested too deeply, or a value that is not a request at all (`1`, `null`);
        a list is a batch, which Strawberry refuses itself."""
        try:
            parsed = super().parse_json(data)
        except TooDeeplyNested as nested:
            raise GraphQLHTTPException(400, str(nested)) from None
        if not isinstance(parsed, dict | list):
            raise GraphQLHTTPException(400, NOT_AN_OBJECT)
        return parsed

    async def render_graphql_ide(self, request: Request) -> Response:
        """Our GraphiQL page, its files served by the app (backend/graphiql.py): no CDN, strict CSP."""
        return graphiql.page()

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        token, _ = auth.request_token(request)
        if isinstance(response, WebSocket):
            # Cookies cannot be set over a websocket; what a resolver sets there goes nowhere.
            response = Response()
        if VIEWER_KEY in request.scope:  # looked up already, before a file upload was read
            signed_in = request.scope[VIEWER_KEY]
        else:
            signed_in = await auth.signed_in_with(token, auth.client_address(request))
        context = Context(request=request, response=response, viewer=None, token=token)
        _sign_in(context, signed_in)
        return context

    async def on_ws_connect(self, context: Context) -> None:
        """graphql-transport-ws connection_init: a bearer token in its payload signs the connection in
        (and wins over the cookie); without one, the cookie the handshake carried must have."""
        params = context.connection_params or {}
        header = params.get("authorization") or params.get("Authorization") or ""
        if isinstance(header, str) and header.lower().startswith("bearer "):
            context.token = header[7:].strip() or None
            _sign_in(context, await auth.signed_in_with(context.token, auth.client_address(context.request)))
        if context.viewer is None:
            raise ConnectionRejectionError({"message": SIGN_IN_FIRST})
        scope = context.request.scope
        if SIGNED_OUT_SLOT_KEY in scope:  # signed in: no longer one of its address's signed-out sockets
            signed_out_sockets.give_back(scope.pop(SIGNED_OUT_SLOT_KEY))
        if not limits.connections.take(context.viewer.id, get_settings().live_max_connections):
            scope[REFUSAL_KEY] = (limits.TOO_MANY_CONNECTIONS_CODE, limits.too_many_connections_reason())
            raise ConnectionRejectionError({"message": scope[REFUSAL_KEY][1]})
        scope[CONNECTION_SLOT_KEY] = context.viewer.id  # given back in __call__ when the socket closes

    async def serve_socket(self, websocket: WebSocket) -> None:
        """A websocket on /graphql, within its address's cap of signed-out sockets. The database out of
        reach when its sign-in is looked up closes it with 1013 (try again later) and one log line."""
        scope = websocket.scope
        address = (scope.get("client") or ("unknown",))[0]
        if not signed_out_sockets.take(address, get_settings().live_max_signed_out):
            await websocket.close(TOO_MANY_SIGNED_OUT_CODE, TOO_MANY_SIGNED_OUT)
            return
        scope[SIGNED_OUT_SLOT_KEY] = address
        try:
            await self.run(websocket)  # what Strawberry's own __call__ does with a websocket
        except Exception as error:
            if not database_unavailable(error):
                raise
            log_unavailable(error, "websocket /graphql")
            if websocket.application_state == WebSocketState.CONNECTED:
                with contextlib.suppress(WebSocketDisconnect):
                    await websocket.close(DATABASE_UNAVAILABLE_CODE, UNAVAILABLE_MESSAGE)
        finally:
            if SIGNED_OUT_SLOT_KEY in scope:
                signed_out_sockets.give_back(scope.pop(SIGNED_OUT_SLOT_KEY))
            if CONNECTION_SLOT_KEY in scope:
                limits.connections.give_back(scope.pop(CONNECTION_SLOT_KEY))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self.serve_socket(WebSocket(scope, receive, send))
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        _, from_cookie = auth.request_token(request)
        if not auth.csrf_ok(request, from_cookie):
            await JSONResponse(error_body(CSRF_MESSAGE, "CSRF"), status_code=403)(scope, receive, send)
            return
        if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
            # Every upload needs a signed-in person: check before reading a byte of the file.
            scope[VIEWER_KEY] = await auth.signed_in_with(auth.request_token(request)[0], auth.client_address(request))
            if scope[VIEWER_KEY] is None:
                not_signed_in = NotSignedIn()
                body = error_body(not_signed_in.message, "UNAUTHENTICATED")
                await JSONResponse(body, status_code=401)(scope, receive, send)
                return
        try:
            response = await self.run(request)
        except (GraphQLHTTPException, HTTPException) as refused:
            # A body that is not a GraphQL request at all: still answered in GraphQL's error shape.
            reason = getattr(refused, "reason", None) or getattr(refused, "detail", "Bad request")
            response = JSONResponse(error_body(str(reason), "BAD_REQUEST"), status_code=refused.status_code)
        await response(scope, receive, send)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        if error_policy.unavailable(result.errors):
            # No partial answer while the database is away: the one error every path answers, with 503.
            return error_body(UNAVAILABLE_MESSAGE, "SERVICE_UNAVAILABLE")  # type: ignore[return-value]
        return await super().process_result(request, result)

    def create_response(self, response_data, sub_response: Response) -> Response:  # type: ignore[no-untyped-def]
        response = super().create_response(response_data, sub_response)
        if isinstance(response_data, dict) and any(
            (e.get("extensions") or {}).get("code") == "SERVICE_UNAVAILABLE" for e in response_data.get("errors") or ()
        ):
            response.status_code = 503
            response.headers["Retry-After"] = "5"
        return response


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; font-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'; connect-src 'self' {sockets}"
)
HOST = re.compile(r"^[A-Za-z0-9.\-\[\]:]{1,255}$")


def content_security_policy(scope: Scope) -> bytes:
    """The policy, with the app's own websocket (live updates) allowed: browsers that do not count
    ws: as 'self' need the address spelt out."""
    host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
    sockets = f"ws://{host} wss://{host}" if HOST.match(host) else ""
    return CONTENT_SECURITY_POLICY.format(sockets=sockets).strip().encode()


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds a strict content security policy and friends to every answer, GraphiQL's included (its files
    are served by the app), and makes browsers revalidate the app's files so a deploy never leaves them
    running a mix of old and new modules."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"content-security-policy", content_security_policy(scope)), *SECURITY_HEADERS]
                if path.startswith("/static/"):
                    headers.append((b"cache-control", b"no-cache"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class GraphQLCors:
    """CORS for /graphql alone, for the origins in CORS_ALLOW_ORIGINS: bearer tokens only, never credentials."""

    def __init__(self, app: ASGIApp, origins: tuple[str, ...]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=list(origins),
            allow_methods=["GET", "POST"],
            allow_headers=CORS_HEADERS,
            allow_credentials=False,
            expose_headers=["X-Request-ID"],
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/graphql":
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


async def spa(request: Request) -> Response:
    """Every browser route answers with the app shell; the app reads the URL itself."""
    return FileResponse(FRONTEND_DIR / "index.html", headers={"Cache-Control": "no-cache"})


def background_workers(settings: Settings) -> list[BackgroundWorker]:
    """The background work: mail, bulk upload jobs, overdue sessions, housekeeping, reminders."""
    return [
        MailSender(settings),
        BulkUploadRunner(),
        OverdueSessionCompleter(),
        Housekeeper(settings),
        ReminderSender(settings),
    ]


def create_app(settings: Settings | None = None) -> Starlette:
    settings = use_settings(settings or get_settings())
    settings.media_root.mkdir(parents=True, exist_ok=True)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await open_database(settings)
        await bus.start()
        # BACKGROUND_WORK=worker: a `sessiondesk worker` process does it instead (backend/cli.py).
        workers = background_workers(settings) if settings.background_work == "in-process" else []
        for worker in workers:
            worker.start()
        try:
            yield
        finally:
            for worker in workers:
                await worker.stop()
            await bus.close()
            await close_database()

    graphql = GraphQLView(
        schema,
        graphql_ide="graphiql" if settings.debug else None,
        multipart_uploads_enabled=True,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        connection_init_wait_timeout=timedelta(seconds=SIGN_IN_SECONDS),
    )
    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        *(graphiql.routes if settings.debug else []),
        *downloads.routes,
        *calendar_feed_routes,
        Mount("/media", StaticFiles(directory=settings.media_root), name="media"),
        Mount("/static", StaticFiles(directory=FRONTEND_DIR), name="static"),
        Route("/{path:path}", spa, methods=["GET"]),
    ]
    middleware = [Middleware(RequestLog), Middleware(SecurityHeaders)]
    if settings.cors_allow_origins:
        middleware.append(Middleware(GraphQLCors, origins=settings.cors_allow_origins))
    # Inside the above, so that their log line, headers and CORS apply to these answers too: any exception
    # below becomes a JSON 503 or 500 (backend/failures.py), and oversized bodies a 413 (body_limits.py).
    middleware += [Middleware(FailureResponses), Middleware(BodyLimit)]
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
