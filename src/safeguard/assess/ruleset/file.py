"""Reading a ruleset file: YAML with every key's line, validated key by key.

Errors name the file, the line and the key path (``factors.distribution.min_outgoing``) and
say what is wrong (unknown factor, missing threshold, wrong type); nothing is assessed with
a ruleset that does not validate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from safeguard.assess.factors import FACTORS
from safeguard.assess.factors.base import FactorParams
from safeguard.errors import ConfigError
from safeguard.records import Tier

__all__ = ["ParsedRuleset", "RulesetDoc", "parse_ruleset"]

Path_ = tuple[str | int, ...]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class TimescaleDoc(_Strict):
    days: int
    text: str


class TierDoc(_Strict):
    code: str
    name: str
    min_score: float
    timescale: TimescaleDoc


class LiftDoc(_Strict):
    tier: str
    flags: tuple[str, ...]


class RulesetDoc(_Strict):
    name: str
    version: str
    tiers: tuple[TierDoc, ...]
    lifts: tuple[LiftDoc, ...] = ()
    factors: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class ParsedRuleset:
    doc: RulesetDoc
    raw: dict[str, Any]
    params: dict[str, FactorParams]


def _lines(node: yaml.Node, path: Path_, out: dict[Path_, int]) -> None:
    """Record the 1-based line of every key and item under ``node``."""
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            out[child] = key.start_mark.line + 1
            _lines(value, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, (*path, i), out)


class _Errors:
    def __init__(self, source: str, lines: dict[Path_, int]) -> None:
        self.source, self.lines = source, lines

    def fail(self, path: Path_, message: str) -> ConfigError:
        known = path
        while known and known not in self.lines:
            known = known[:-1]
        line = self.lines.get(known, 1)
        key = ".".join(str(p) for p in path) or "(top level)"
        return ConfigError(f"ruleset {self.source} line {line}: {key}: {message}")

    def from_validation(self, prefix: Path_, exc: ValidationError) -> ConfigError:
        # A misspelt key is said as unknown, before the missing key it stands for.
        first = min(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        loc = tuple(p for p in first["loc"] if not str(p).startswith("function-"))
        message = first["msg"]
        if first["type"] == "missing":
            message = "missing (required)"
        elif first["type"] == "extra_forbidden":
            message = "unknown key"
        return self.fail((*prefix, *loc), message)


def _validate(model: type[BaseModel], value: Any, prefix: Path_, errors: _Errors) -> Any:
    try:
        return model.model_validate_json(json.dumps(value, default=str))
    except ValidationError as exc:
        raise errors.from_validation(prefix, exc) from exc


def _check_tiers(doc: RulesetDoc, errors: _Errors) -> None:
    codes = [t.code for t in doc.tiers]
    wanted = [t.value for t in Tier]
    if codes != wanted:
        raise errors.fail(("tiers",), f"tier codes must be {wanted} in that order, got {codes}")
    scores = [t.min_score for t in doc.tiers]
    for i in range(1, len(scores)):
        if scores[i] > scores[i - 1]:
            raise errors.fail(("tiers", i, "min_score"), "must not exceed the tier above")
    if scores[-1] > 0:
        raise errors.fail(("tiers", len(scores) - 1, "min_score"), "the last tier must be 0")
    names = [t.name.casefold() for t in doc.tiers]
    if len(set(names)) != len(names):
        raise errors.fail(("tiers",), "two tiers have the same name")


def _check_factors(doc: RulesetDoc, errors: _Errors) -> dict[str, FactorParams]:
    params: dict[str, FactorParams] = {}
    for name, section in doc.factors.items():
        factor = FACTORS.get(name)
        if factor is None:
            known = ", ".join(FACTORS)
            raise errors.fail(("factors", name), f"unknown factor (known: {known})")
        params[name] = _validate(factor.params, section, ("factors", name), errors)
    return params


def _check_lifts(doc: RulesetDoc, errors: _Errors) -> None:
    flags = {f for name in doc.factors for f in FACTORS[name].flags}
    for i, lift in enumerate(doc.lifts):
        if lift.tier not in {t.value for t in Tier}:
            raise errors.fail(("lifts", i, "tier"), f"unknown tier code {lift.tier!r}")
        for j, flag in enumerate(lift.flags):
            if flag not in flags:
                raise errors.fail(
                    ("lifts", i, "flags", j), f"no factor of the ruleset gives flag {flag!r}"
                )


def parse_ruleset(text: str, source: str) -> ParsedRuleset:
    """Parse and validate a ruleset file's text; :class:`ConfigError` names key and line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"ruleset {source}{line}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or node is None:
        raise ConfigError(f"ruleset {source}: expected a mapping of name, version, tiers...")
    lines: dict[Path_, int] = {}
    _lines(node, (), lines)
    errors = _Errors(source, lines)
    doc: RulesetDoc = _validate(RulesetDoc, raw, (), errors)
    _check_tiers(doc, errors)
    params = _check_factors(doc, errors)
    _check_lifts(doc, errors)
    return ParsedRuleset(doc, raw, params)
