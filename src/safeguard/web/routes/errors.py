"""Turning the store's "not found" into HTTP 404 (also for records the actor may not see)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException

from safeguard.errors import NotFoundError

__all__ = ["not_found"]


@contextmanager
def not_found() -> Iterator[None]:
    try:
        yield
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
