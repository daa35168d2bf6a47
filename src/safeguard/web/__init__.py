"""The web app (FastAPI + Jinja2 + HTMX + Chart.js, all assets served locally)."""

from safeguard.web.app import create_app

__all__ = ["create_app"]
