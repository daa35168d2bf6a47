"""The FastAPI application: pages (Jinja2) and a JSON API over the same queries.

No login yet: ``safeguard serve`` binds to loopback only. Every asset is served locally.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from safeguard import __version__, track
from safeguard.config import Settings
from safeguard.errors import NotFoundError
from safeguard.refdata import uk
from safeguard.store.db import Store
from safeguard.web.queries import operation_names, triage_queue

__all__ = ["create_app"]

HERE = Path(__file__).parent
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'"
)


class _SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    store = store or Store.open(settings)
    app = FastAPI(title="Safeguard", version=__version__, docs_url=None, redoc_url=None)
    app.add_middleware(_SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["version"] = __version__

    def summary_or_404(name: str) -> track.OperationSummary:
        try:
            return track.summarise(store, name)
        except NotFoundError as exc:
            raise HTTPException(404, str(exc)) from exc

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> Response:
        names = operation_names(store)
        if len(names) == 1:
            return RedirectResponse(f"/operations/{names[0]}", status_code=303)
        return templates.TemplateResponse(request, "index.html", {"operations": names})

    @app.get("/operations/{name}", response_class=HTMLResponse)
    def overview(request: Request, name: str) -> Response:
        summary = summary_or_404(name)
        context: dict[str, Any] = {
            "s": summary,
            "queue": triage_queue(store, name),
            "chart": summary.to_json(),
            "forces": uk.forces(),
        }
        return templates.TemplateResponse(request, "overview.html", context)

    @app.get("/api/operations")
    def api_operations() -> list[str]:
        return operation_names(store)

    @app.get("/api/operations/{name}/summary")
    def api_summary(name: str) -> JSONResponse:
        return JSONResponse(summary_or_404(name).to_json())

    @app.get("/api/operations/{name}/queue")
    def api_queue(name: str, limit: int = 25) -> JSONResponse:
        summary_or_404(name)
        return JSONResponse([i.to_json() for i in triage_queue(store, name, min(limit, 500))])

    return app
