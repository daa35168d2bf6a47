"""The ``Geolocator`` interface and the helper base class for evidence sources."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from safeguard.attribute.facts import AccountFacts, Evidence
from safeguard.config import Settings

__all__ = ["Geolocator", "GeolocatorSpec", "SourceGeolocator"]


class Geolocator(Protocol):
    """One step of attribution: takes an account's facts and the evidence found so far.

    A *source* returns the evidence with its own items added; a *modifier* (such as
    ``maxmind-anonymous``) returns the same items re-weighed. ``name`` is a stable key
    stored in every evidence item the geolocator writes.
    """

    name: str

    def apply(self, facts: AccountFacts, items: Sequence[Evidence]) -> list[Evidence]: ...


class SourceGeolocator(ABC):
    """A geolocator that only adds evidence: subclasses implement :meth:`locate`."""

    name: str = ""

    @abstractmethod
    def locate(self, facts: AccountFacts) -> list[Evidence]:
        """Evidence items this source finds in ``facts``."""

    def apply(self, facts: AccountFacts, items: Sequence[Evidence]) -> list[Evidence]:
        return [*items, *self.locate(facts)]


@dataclass(frozen=True)
class GeolocatorSpec:
    """A registered geolocator: its name, what it does, and how to build it.

    ``build`` raises :class:`safeguard.errors.NotConfigured` when the geolocator's database
    is not configured (the stage then skips it with a warning) and
    :class:`safeguard.errors.ConfigError` when it is configured but unusable (the stage
    stops: a silent skip would quietly move people).
    """

    name: str
    summary: str
    modifier: bool
    build: Callable[[Settings], Geolocator]
