"""docs/risk-model.md cannot drift: every factor, reason code, flag and ruleset key is in it."""

from __future__ import annotations

import re
import typing
from pathlib import Path

from pydantic import BaseModel

from safeguard.assess.factors import FACTORS
from safeguard.assess.ruleset.file import RulesetDoc

DOC = Path(__file__).parents[3] / "docs" / "risk-model.md"


def documented() -> set[str]:
    return set(re.findall(r"`([^`\s]+)`", DOC.read_text(encoding="utf-8")))


def _model_of(annotation: object) -> type[BaseModel] | None:
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def keys(model: type[BaseModel], prefix: str) -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        out.append(path)
        inner = _model_of(field.annotation)
        if inner is not None:
            out.extend(keys(inner, path + "."))
    return out


def test_every_factor_reason_code_and_flag_is_documented() -> None:
    names = documented()
    missing = [
        item
        for factor in FACTORS.values()
        for item in (factor.name, *factor.codes, *factor.flags)
        if item not in names
    ]
    assert not missing, f"undocumented in docs/risk-model.md: {missing}"


def test_every_ruleset_key_is_documented() -> None:
    names = documented()
    wanted = keys(RulesetDoc, "") + [
        key for f in FACTORS.values() for key in keys(f.params, f"factors.{f.name}.")
    ]
    missing = [k for k in wanted if k not in names]
    assert not missing, f"ruleset keys undocumented in docs/risk-model.md: {missing}"


def test_the_key_walk_sees_nested_keys() -> None:
    """The oracle itself: nested sections (tiers.timescale, material A/B/C) are walked."""
    walked = keys(RulesetDoc, "") + keys(FACTORS["material-severity"].params, "m.")
    assert {"tiers.timescale.days", "lifts.flags", "m.B.per_tenfold"} <= set(walked)
