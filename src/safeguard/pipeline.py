"""The whole pipeline for one delivery: ingest → match → attribute → resolve → assess → package.

Stages talk only through the store; this module only composes their ``run`` functions, so
any stage can also be re-run alone from the CLI.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from safeguard import assess, attribute, ingest, match, package, resolve, track
from safeguard.assess.enrichment import load_checks, load_register
from safeguard.config import Settings
from safeguard.errors import PipelineError
from safeguard.hashsets.importer import import_hash_set
from safeguard.memory import release
from safeguard.progress import NULL_PROGRESS, Progress
from safeguard.store.db import Store
from safeguard.track import OperationSummary

__all__ = [
    "ANALYSIS",
    "STAGES",
    "HashSetInput",
    "PipelineInputs",
    "analyse",
    "rerun_stage",
    "run_pipeline",
    "synth_inputs",
]


@dataclass(frozen=True)
class HashSetInput:
    path: Path
    name: str
    scheme: str = "uk"


@dataclass(frozen=True)
class PipelineInputs:
    delivery: Path
    hash_sets: Sequence[HashSetInput] = ()
    checks: Path | None = None
    register: Path | None = None
    geoip_city: Path | None = None
    geoip_anonymous: Path | None = None


def synth_inputs(synth_dir: Path, delivery: Path | None = None) -> PipelineInputs:
    """Inputs laid out by ``safeguard synth`` (docs/synth.md)."""
    return PipelineInputs(
        delivery=delivery or synth_dir / "delivery",
        hash_sets=(
            HashSetInput(synth_dir / "hashsets" / "known.vics.json", "synthetic-vics", "uk"),
            HashSetInput(synth_dir / "hashsets" / "known.csv", "synthetic-csv", "uk"),
        ),
        checks=synth_dir / "checks.csv",
        register=synth_dir / "register.csv",
        geoip_city=synth_dir / "geoip" / "Synth-City.mmdb",
        geoip_anonymous=synth_dir / "geoip" / "Synth-Anonymous-IP.mmdb",
    )


def _settings_for(settings: Settings, inputs: PipelineInputs) -> Settings:
    return dataclasses.replace(
        settings,
        geoip_city=inputs.geoip_city or settings.geoip_city,
        geoip_anonymous=inputs.geoip_anonymous or settings.geoip_anonymous,
    )


def _attribute_all(store: Store, cfg: Settings, operation: str, progress: Progress) -> None:
    attribute.run(store, cfg, operation, progress=progress)
    attribute.attribute_subjects(store, cfg, operation, progress=progress)


def _resolve(store: Store, cfg: Settings, operation: str, progress: Progress) -> None:
    """Resolution replaces the subjects whose accounts changed, and their attribution with
    them: the subjects are attributed again before any later stage reads them."""
    resolve.run(store, cfg, operation, progress=progress)
    attribute.attribute_subjects(store, cfg, operation, progress=progress)


#: Stages that can be re-run alone on an operation already in the store, in pipeline order.
STAGES: dict[str, Callable[[Store, Settings, str, Progress], object]] = {
    "match": lambda st, cfg, op, pr: match.run(st, cfg, op, progress=pr),
    "attribute": _attribute_all,
    "resolve": _resolve,
    "assess": lambda st, cfg, op, pr: assess.run(st, cfg, op, progress=pr),
    "package": lambda st, cfg, op, pr: package.run(st, cfg, op, progress=pr),
    "track": lambda st, _cfg, op, _pr: track.run(st, op),
}


def rerun_stage(
    store: Store,
    settings: Settings,
    stage: str,
    operation: str,
    *,
    progress: Progress = NULL_PROGRESS,
    downstream: bool = False,
) -> list[str]:
    """Re-run one stage (and, with ``downstream``, every later one); return what ran."""
    names = list(STAGES)
    if stage not in STAGES:
        raise PipelineError(f"unknown stage {stage!r}; one of: {', '.join(names)}")
    todo = names[names.index(stage) :] if downstream else [stage]
    for name in todo:
        STAGES[name](store, settings, operation, progress)
    return todo


def run_pipeline(
    store: Store,
    settings: Settings,
    operation: str,
    inputs: PipelineInputs,
    *,
    user: str,
    progress: Progress = NULL_PROGRESS,
    on_step: Callable[[str], None] = lambda _step: None,
    on_warning: Callable[[str], None] = lambda _warning: None,
) -> OperationSummary:
    """Run every stage in order on one delivery; return the operation's figures.

    The GeoIP settings are checked first: a configured database that cannot be opened
    stops the run before anything is ingested; each unset one is passed to ``on_warning``.
    Between stages, memory the last one freed goes back to the system (:func:`release`),
    so the run's peak is the largest stage's, not the sum of what each left behind.
    """
    cfg = _settings_for(settings, inputs)
    for warning in attribute.geoip_warnings(cfg):
        on_warning(warning)

    def begin(step: str) -> None:
        release()
        on_step(step)

    begin("ingest")
    ingest.run(store, cfg, inputs.delivery, operation, user=user, progress=progress)
    op_id = store.operation_id(operation)
    for hs in inputs.hash_sets:
        begin(f"hash set {hs.name}")
        import_hash_set(
            store, hs.path, name=hs.name, scheme=hs.scheme, user=user, progress=progress
        )
    begin("enrich")
    if inputs.checks is not None:
        load_checks(store, op_id, inputs.checks)
    if inputs.register is not None:
        load_register(store, op_id, inputs.register)
    return analyse(store, cfg, operation, progress=progress, on_step=on_step)


#: The stages after ingest, in the order of a whole run: subjects are attributed once
#: resolution has formed them.
ANALYSIS: tuple[tuple[str, Callable[..., object]], ...] = (
    ("match", match.run),
    ("attribute", attribute.run),
    ("resolve", resolve.run),
    ("attribute subjects", attribute.attribute_subjects),
    ("assess", assess.run),
    ("package", package.run),
)


def analyse(
    store: Store,
    settings: Settings,
    operation: str,
    *,
    progress: Progress = NULL_PROGRESS,
    on_step: Callable[[str], None] = lambda _step: None,
) -> OperationSummary:
    """Every stage after ingest, then ``track``, on what the store holds (a whole run
    without its inputs); return the operation's figures. Memory a stage freed goes back to
    the system (:func:`release`) before the next, so the peak is the largest stage's."""
    for name, stage in ANALYSIS:
        release()
        on_step(name)
        stage(store, settings, operation, progress=progress)
    release()
    on_step("track")
    summary = track.run(store, operation)
    release()
    return summary
