"""Jinja2 pages: every page gets the actor and the CSRF token for its forms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from safeguard import __version__, authz

__all__ = ["page", "templates"]

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["version"] = __version__
templates.env.globals["may"] = authz.may


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    context = {
        "actor": getattr(request.state, "actor", None),
        "csrf_token": getattr(request.state, "csrf", ""),
        **context,
    }
    return templates.TemplateResponse(request, name, context, status_code=status)
