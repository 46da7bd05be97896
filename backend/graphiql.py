"""GraphiQL at GET /graphql (DEBUG=true) without the internet: its page is ours (frontend/graphiql/graphiql.html,
under the app's strict Content-Security-Policy) and its scripts and styles are served from the npm
packages pinned in package.json (graphiql, react, react-dom), which `scripts/setup` installs with
`npm ci`. Only the files named here are served, with the packages' licences beside them."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ROOT / "node_modules"
PAGE = ROOT / "frontend" / "graphiql" / "graphiql.html"
ASSETS = {
    "react.js": ("react", "umd/react.production.min.js", "text/javascript"),
    "react-dom.js": ("react-dom", "umd/react-dom.production.min.js", "text/javascript"),
    "graphiql.js": ("graphiql", "graphiql.min.js", "text/javascript"),
    "graphiql.css": ("graphiql", "graphiql.min.css", "text/css"),
}
LICENCES = ("react", "react-dom", "graphiql")
MISSING = (
    "<!doctype html><html lang='en'><head><title>GraphiQL is not installed</title></head><body><main>"
    "<h1>GraphiQL is not installed</h1><p>Its files come from npm: run <code>scripts/setup</code> "
    "(it runs <code>npm ci</code>), then reload. The API itself works: POST queries to /graphql.</p>"
    "</main></body></html>"
)


def installed() -> bool:
    return all((PACKAGES / package / path).is_file() for package, path, _ in ASSETS.values())


def page() -> Response:
    if not installed():
        return HTMLResponse(MISSING, status_code=503)
    return FileResponse(PAGE, headers={"Cache-Control": "no-cache"})


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name in ASSETS:
        package, path, media_type = ASSETS[name]
        file = PACKAGES / package / path
    elif name.endswith("-LICENSE.txt") and name.removesuffix("-LICENSE.txt") in LICENCES:
        file, media_type = PACKAGES / name.removesuffix("-LICENSE.txt") / "LICENSE", "text/plain"
    else:
        return PlainTextResponse("Not found", status_code=404)
    if not file.is_file():
        return PlainTextResponse("GraphiQL is not installed; run scripts/setup.", status_code=404)
    return FileResponse(file, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"})


routes = [Route("/graphiql/{name}", asset, methods=["GET"])]
