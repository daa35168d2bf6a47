"""Who a package goes to: a force, its ROCU, or the agency's own investigation teams.

:func:`suggest` proposes a recipient from the subject's attribution and deconfliction; the
analyst confirms or changes it (``safeguard packages recipient``) while the package is a
draft. Recipient ids are what keys and outboxes are filed under: a force id
(``kent``), ``rocu:<slug>`` for a ROCU, and ``agency`` for the agency itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from safeguard.errors import NotFoundError
from safeguard.refdata import uk

__all__ = ["AGENCY", "Recipient", "parse", "rocu_id", "rocus", "suggest"]

AGENCY = "agency"
#: A register entry held by one of these is the agency's own investigation.
AGENCY_HOLDERS = frozenset({"agency", "nca"})


@dataclass(frozen=True)
class Recipient:
    kind: str  # "force", "rocu" or "agency"
    recipient_id: str
    name: str
    reason: str = ""

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.recipient_id, "name": self.name}


def rocu_id(name: str) -> str:
    """``North West ROCU (Titan)`` -> ``rocu:north-west-rocu-titan``."""
    return "rocu:" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def rocus() -> dict[str, str]:
    """ROCU recipient id -> ROCU name."""
    return {rocu_id(f.rocu): f.rocu for f in uk.forces().values() if f.rocu}


def parse(recipient_id: str) -> Recipient:
    """A recipient from its id; an unknown id is refused with the accepted forms."""
    if recipient_id == AGENCY:
        return Recipient("agency", AGENCY, "the agency's investigation teams")
    if recipient_id in rocus():
        return Recipient("rocu", recipient_id, rocus()[recipient_id])
    forces = uk.forces()
    if recipient_id in forces:
        return Recipient("force", recipient_id, forces[recipient_id].name)
    raise NotFoundError(
        f"unknown recipient {recipient_id!r}: give a force id (e.g. kent), a ROCU id "
        "(rocu:<name>, see `safeguard forces keys`) or 'agency'"
    )


def _force(force_id: str, reason: str) -> Recipient:
    return Recipient("force", force_id, uk.force(force_id).name, reason)


def suggest(attribution: dict[str, Any], deconfliction: list[dict[str, Any]]) -> Recipient:
    """The suggested recipient and why, in this order of precedence:

    1. an open investigation held by the agency -> the agency;
    2. an open investigation held by a force -> that force (it already has the case);
    3. attribution split between forces of different ROCUs -> the agency;
    4. attribution split between forces of one ROCU -> that ROCU;
    5. otherwise the attributed force.
    """
    open_hits = [d for d in deconfliction if (d.get("status") or "open") == "open"]
    for hit in open_hits:
        if str(hit.get("force_id", "")).lower() in AGENCY_HOLDERS:
            return Recipient(
                "agency",
                AGENCY,
                "the agency's investigation teams",
                f"open agency investigation {hit.get('reference')}",
            )
    forces = uk.forces()
    for hit in open_hits:
        if hit.get("force_id") in forces:
            return _force(str(hit["force_id"]), f"open investigation {hit.get('reference')}")
    force_id = str(attribution["force_id"])
    others = [a["force_id"] for a in attribution.get("alternatives") or [] if "force_id" in a]
    others = [f for f in others if f in forces and f != force_id]
    if not others:
        return _force(force_id, "attributed force")
    own = forces[force_id].rocu
    if own and all(forces[f].rocu == own for f in others):
        return Recipient(
            "rocu",
            rocu_id(own),
            own,
            f"attribution split between forces of {own}: {force_id}, " + ", ".join(others),
        )
    return Recipient(
        "agency",
        AGENCY,
        "the agency's investigation teams",
        "attribution split across regions: " + ", ".join([force_id, *others]),
    )
