"""The registry of risk factors: one explicit list, names checked at import."""

from __future__ import annotations

from safeguard.assess.factors.access import AccessToChildren
from safeguard.assess.factors.anonymisation import Anonymisation
from safeguard.assess.factors.base import RiskFactor
from safeguard.assess.factors.distribution import Distribution
from safeguard.assess.factors.indicators import ContactIndicators, Facilitators
from safeguard.assess.factors.material import MaterialSeverity
from safeguard.assess.factors.previous import PreviousBehaviour
from safeguard.assess.factors.production import PossibleProduction
from safeguard.assess.factors.travel import Travel
from safeguard.assess.factors.trust import PositionOfTrust
from safeguard.registry import by_name

__all__ = ["FACTORS", "RiskFactor"]


FACTORS: dict[str, RiskFactor] = by_name(
    "risk factor",
    (
        MaterialSeverity(),
        Distribution(),
        PossibleProduction(),
        PositionOfTrust(),
        AccessToChildren(),
        PreviousBehaviour(),
        ContactIndicators(),
        Facilitators(),
        Travel(),
        Anonymisation(),
    ),
)
