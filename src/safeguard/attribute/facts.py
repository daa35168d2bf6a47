"""Plain records the geolocators read (``AccountFacts``) and write (``Evidence``).

Geolocators never see the store: the stage loads each account's facts into an
:class:`AccountFacts` and every plugin turns them into :class:`Evidence` items.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["AccountFacts", "Evidence", "IpUse"]


@dataclass(frozen=True)
class IpUse:
    """One IP address an account logged in from: how often, over what period, and by how
    many of the operation's accounts it was used."""

    ip: str
    logins: int
    first: datetime
    last: datetime
    accounts: int = 1  # accounts of the operation that logged in from this address


@dataclass(frozen=True)
class AccountFacts:
    """Everything about one account that can say where its user is."""

    account_id: int
    declared_country: str | None = None
    declared_city: str | None = None
    declared_postcode: str | None = None
    declared_district: str | None = None
    phones: tuple[str, ...] = ()
    postcodes: tuple[str, ...] = ()
    ips: tuple[IpUse, ...] = ()
    coordinates: tuple[tuple[float, float], ...] = ()
    estimated_country: str | None = None


@dataclass(frozen=True)
class Evidence:
    """One weighted pointer to a country (and, in the UK, to candidate forces).

    ``family`` groups sources that are not independent of each other (all IP addresses are
    one family); ``weight`` is the item's mass inside its family; ``strong`` marks an item
    that is precise enough to place a person on its own (a postcode, a phone area code, a
    coordinate). ``observations``/``first``/``last`` say how often and when it was seen.
    """

    source: str
    family: str
    country: str | None
    detail: Mapping[str, Any] = field(default_factory=dict)
    forces: tuple[tuple[str, float], ...] = ()
    weight: float = 1.0
    strong: bool = False
    observations: int = 1
    first: datetime | None = None
    last: datetime | None = None
    anonymous: bool = False
