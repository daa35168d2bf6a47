"""Routes by the people who use them; each route thin, calling the query and stage functions
the CLI calls, and each carrying one :class:`~safeguard.web.deps.Need`."""

from fastapi import APIRouter

from safeguard.web.routes import (
    admin,
    api,
    auth,
    data,
    jobs,
    match,
    packages,
    pages,
    portal,
    subjects,
)

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    pages.router,
    subjects.router,
    subjects.api,
    portal.router,
    packages.router,
    admin.router,
    api.router,
    jobs.router,
    data.router,
    data.api,
    jobs.api,
    match.router,
)
