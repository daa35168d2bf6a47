"""Package: intelligence packages for the recipients that must act, and their lifecycle.

``run`` (the pipeline stage, :mod:`safeguard.package.stage`) drafts one package per
prioritised UK subject and never rewrites one that has left draft; approval, sending,
acknowledgement and verification are in :mod:`lifecycle`, :mod:`bag` and :mod:`verify`.
"""

from __future__ import annotations

from safeguard.package.content import canonical_json
from safeguard.package.stage import PackageResult, run

__all__ = ["PackageResult", "canonical_json", "run"]
