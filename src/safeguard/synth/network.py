"""The synthetic address plan: IP ranges per UK force and per country, anonymous exits,
and each person's home address (shared by a household, unique otherwise)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from safeguard.refdata import uk
from safeguard.synth.persons import Persons
from safeguard.synth.ukgeo import force_point, force_towns, primary_districts
from safeguard.synth.world import COUNTRIES, UK_NATIONS

__all__ = ["NetRange", "Network", "plan_network"]

#: First octets of the synthetic IPv4 plan (public unicast space; the mapping is invented).
_FIRST_OCTETS = (31, 37, 46, 51, 62, 77, 78, 81, 82, 86, 90, 92, 94, 109, 141, 151, 176, 178,
                 185, 188, 193, 195, 212, 213, 217)  # fmt: skip
_HOSTS_PER_RANGE = 250
_ANON_EXITS: tuple[tuple[str, str, int], ...] = (
    ("vpn", "NL", 3), ("vpn", "SE", 2), ("vpn", "CH", 2), ("vpn", "US", 2), ("vpn", "GB", 2),
    ("vpn", "RO", 1), ("tor", "DE", 2), ("tor", "NL", 1), ("tor", "US", 1),
    ("hosting", "US", 2), ("hosting", "DE", 1), ("hosting", "GB", 1), ("hosting", "FR", 1),
)  # fmt: skip
POOL_KINDS = ("mobile", "vpn", "tor", "hosting")


@dataclass(frozen=True)
class NetRange:
    """One network in the GeoIP databases."""

    cidr: str
    kind: str  # home, mobile, roaming, vpn, tor, hosting
    country: str
    force_id: str | None = None
    district: str | None = None
    city: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass
class Network:
    ranges: list[NetRange]
    ips: pa.Array  # every address events can use
    home: NDArray[np.int64]  # person → index into ips
    home_range: NDArray[np.int64]  # person → index into ranges
    pools: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind → (start, count)
    roaming: dict[str, tuple[int, int]] = field(default_factory=dict)  # country → (start, n)


class _Plan:
    """Collects ranges and addresses while the plan is built."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.ranges: list[NetRange] = []
        self.ips: list[str] = []
        self._used: set[tuple[int, int, int]] = set()
        self._v6 = 0

    def v4(self, prefix: int = 24) -> tuple[str, str]:
        """A fresh ``a.b.c.0/prefix`` block; returns (cidr, "a.b.c." base)."""
        while True:
            a = _FIRST_OCTETS[int(self.rng.integers(0, len(_FIRST_OCTETS)))]
            b = int(self.rng.integers(0, 256))
            c = int(self.rng.integers(0, 256)) & ~((1 << (24 - prefix)) - 1) & 0xFF
            if all((a, b, c + k) not in self._used for k in range(1 << (24 - prefix))):
                self._used.update((a, b, c + k) for k in range(1 << (24 - prefix)))
                return f"{a}.{b}.{c}.0/{prefix}", f"{a}.{b}.{c}."

    def v6(self) -> tuple[str, str]:
        self._v6 += 1
        base = f"2a0{self._v6 % 8 + 1}:{0x4B00 + self._v6:x}:{self._v6 * 37 % 0xFFFF:x}"
        return f"{base}::/48", f"{base}::"

    def add(self, rng_: NetRange) -> int:
        self.ranges.append(rng_)
        return len(self.ranges) - 1

    def pool(self, base: str, n: int) -> tuple[int, int]:
        hosts = np.sort(self.rng.choice(np.arange(2, 254), size=n, replace=False))
        start = len(self.ips)
        self.ips.extend(f"{base}{h}" for h in hosts)
        return start, n


def _uk_range(plan: _Plan, force_id: str, cidr: str) -> NetRange:
    districts = primary_districts()[force_id]
    towns = force_towns()[force_id]
    town = towns[int(plan.rng.integers(0, len(towns)))]
    lat, lon = force_point(plan.rng, force_id, town)
    district = districts[int(plan.rng.integers(0, len(districts)))]
    return NetRange(cidr, "home", "GB", force_id, district, town, lat, lon)


def _country_range(plan: _Plan, iso: str, cidr: str, kind: str = "home") -> NetRange:
    c = next(c for c in COUNTRIES if c.iso == iso)
    lat = round(c.lat + float(plan.rng.normal(0, 0.05)), 4)
    lon = round(c.lon + float(plan.rng.normal(0, 0.05)), 4)
    return NetRange(cidr, kind, iso, city=c.city, lat=lat, lon=lon)


def _make_range(plan: _Plan, group: str, cidr: str) -> NetRange:
    if group.startswith("GB/"):
        return _uk_range(plan, group[3:], cidr)
    return _country_range(plan, group, cidr)


def _groups(persons: Persons) -> dict[str, list[int]]:
    """Home groups: ``GB/<force>`` or a country code → persons, households kept adjacent."""
    keys = [
        f"GB/{f}" if c == "GB" else str(c)
        for c, f in zip(persons.country, persons.force, strict=True)
    ]
    groups: dict[str, list[int]] = {f"GB/{f}": [] for f in uk.forces()}
    order = np.lexsort((np.arange(persons.n), persons.household))
    for i in order:
        groups.setdefault(keys[i], []).append(int(i))
    return groups


def _assign_group(
    plan: _Plan, persons: Persons, group: str, members: list[int], net: Network
) -> None:
    v6 = [i for i in members if persons.ipv6[i] and persons.household[i] < 0]
    v4 = [i for i in members if not (persons.ipv6[i] and persons.household[i] < 0)]
    n_ranges = max(3 if group.startswith("GB/") else 1, -(-len(v4) // _HOSTS_PER_RANGE))
    blocks = [plan.v4() for _ in range(n_ranges)]
    ids = [plan.add(_make_range(plan, group, cidr)) for cidr, _ in blocks]
    hosts = [2 + plan.rng.permutation(_HOSTS_PER_RANGE) for _ in blocks]
    slot, last_household = -1, -1
    for i in v4:
        h = int(persons.household[i])
        if h < 0 or h != last_household:
            slot += 1
            plan.ips.append(
                f"{blocks[slot // _HOSTS_PER_RANGE][1]}"
                f"{hosts[slot // _HOSTS_PER_RANGE][slot % _HOSTS_PER_RANGE]}"
            )
        last_household = h
        net.home[i] = len(plan.ips) - 1
        net.home_range[i] = ids[slot // _HOSTS_PER_RANGE]
    if v6 or group.startswith("GB/"):
        cidr, base = plan.v6()
        rid = plan.add(_make_range(plan, group, cidr))
        for k, i in enumerate(v6):
            plan.ips.append(f"{base}{k + 1:x}")
            net.home[i] = len(plan.ips) - 1
            net.home_range[i] = rid


def _pools(plan: _Plan, net: Network) -> None:
    start = len(plan.ips)
    for _ in range(4):
        cidr, base = plan.v4(22)
        plan.add(NetRange(cidr, "mobile", "GB"))
        plan.pool(base, 200)
    net.pools["mobile"] = (start, len(plan.ips) - start)
    for kind in POOL_KINDS[1:]:
        start = len(plan.ips)
        for exit_kind, iso, count in _ANON_EXITS:
            if exit_kind != kind:
                continue
            for _ in range(count):
                cidr, base = plan.v4()
                plan.add(
                    _country_range(plan, iso, cidr, kind)
                    if iso != "GB"
                    else NetRange(cidr, kind, "GB")
                )
                plan.pool(base, 80 if kind == "vpn" else 30)
        net.pools[kind] = (start, len(plan.ips) - start)
    for c in COUNTRIES:
        cidr, base = plan.v4()
        plan.add(_country_range(plan, c.iso, cidr, "roaming"))
        net.roaming[c.iso] = plan.pool(base, 60)


def plan_network(rng: np.random.Generator, persons: Persons) -> Network:
    """Ranges for every UK force and country, pools of shared exits, one home per person."""
    plan = _Plan(rng)
    net = Network(
        [], pa.array([], pa.string()), np.zeros(persons.n, np.int64), np.zeros(persons.n, np.int64)
    )
    for group, members in sorted(_groups(persons).items()):
        _assign_group(plan, persons, group, members, net)
    _pools(plan, net)
    net.ranges = plan.ranges
    net.ips = pa.array(plan.ips, pa.string())
    return net


def nation(force_id: str) -> tuple[str, str]:
    """MaxMind-style subdivision (iso_code, English name) of a UK force."""
    return UK_NATIONS[uk.force(force_id).country]
