"""Resolution: link accounts into subjects (with evidence), analysts' splits and merges, and
the sharing network. See ``docs/resolution.md``."""

from safeguard.resolve.actions import ActionResult, merge, split, undo
from safeguard.resolve.linkers import LINKERS, WEAK_THRESHOLD, Linker
from safeguard.resolve.stage import ResolveConfig, ResolveResult, run

__all__ = [
    "LINKERS",
    "WEAK_THRESHOLD",
    "ActionResult",
    "Linker",
    "ResolveConfig",
    "ResolveResult",
    "merge",
    "run",
    "split",
    "undo",
]
