"""Plain-data facts about one subject: everything a risk factor may look at.

Factors see only these records, never the store, so each is tested with plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Finding", "IndicatorHit", "LoginPlace", "MaterialFacts", "SubjectFacts"]


@dataclass(frozen=True)
class MaterialFacts:
    files_a: int = 0
    files_b: int = 0
    files_c: int = 0
    events_a: int = 0
    events_b: int = 0
    events_c: int = 0
    files_unknown: int = 0
    uploads: int = 0
    downloads: int = 0
    shares: int = 0
    first_uploads_unknown: int = 0

    @property
    def files_abuse(self) -> int:
        return self.files_a + self.files_b + self.files_c

    def __add__(self, other: MaterialFacts) -> MaterialFacts:
        names = self.__dataclass_fields__
        return MaterialFacts(**{n: getattr(self, n) + getattr(other, n) for n in names})


@dataclass(frozen=True)
class Finding:
    """A police-checks return that met one of the subject's identifiers."""

    check_id: int
    source: str
    finding: str
    detail: str
    date: str | None
    force_id: str | None
    matched_kind: str
    matched_value: str

    @property
    def ref(self) -> str:
        """The evidence reference of the checks row (``safeguard evidence show check:N``)."""
        return f"check:{self.check_id}"


@dataclass(frozen=True)
class IndicatorHit:
    """A lexicon phrase found in a message the subject sent."""

    category: str
    phrase: str
    message_id: str


@dataclass(frozen=True)
class LoginPlace:
    """Logins of one account from one IP address, where GeoIP puts it (attribution evidence)."""

    account: str  # platform account id
    ip: str
    country: str | None
    logins: int
    first: str  # ISO 8601, or "" when unknown
    last: str
    anonymity: tuple[str, ...] = ()  # vpn, tor, proxy, hosting... (empty: an ordinary address)

    @property
    def ref(self) -> str:
        """Evidence reference of these logins (``safeguard evidence show logins:ID@IP``)."""
        return f"logins:{self.account}@{self.ip}"


@dataclass(frozen=True)
class SubjectFacts:
    subject_id: int
    label: str
    account_ids: tuple[int, ...]
    platform_ids: tuple[str, ...] = ()
    material: MaterialFacts = field(default_factory=MaterialFacts)
    roles: tuple[str, ...] = ()
    counterparts: int = 0
    findings: tuple[Finding, ...] = ()
    indicators: tuple[IndicatorHit, ...] = ()
    country: str | None = None
    force_id: str | None = None
    logins: tuple[LoginPlace, ...] = ()

    def findings_of(self, *kinds: str) -> list[Finding]:
        if not self.findings:
            return []
        return [f for f in self.findings if f.finding in kinds]

    def indicators_of(self, category: str) -> list[IndicatorHit]:
        if not self.indicators:
            return []
        return [h for h in self.indicators if h.category == category]
