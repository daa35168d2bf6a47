"""docs/security.md's policy table is the authorisation policy: every action, every role."""

from __future__ import annotations

import re
from pathlib import Path

from safeguard.authz import ACTIONS, FORCE_SCOPED, Role

DOC = Path(__file__).parents[3] / "docs" / "security.md"
COLUMNS = [
    Role.ADMIN,
    Role.ANALYST,
    Role.SUPERVISOR,
    Role.FORCE_OFFICER,
    Role.AUDITOR,
    Role.PARTNER,
]


def _table() -> dict[str, list[str]]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 7 or not cells[0].startswith("`"):
            continue
        for action in re.findall(r"`([a-z.]+)`", cells[0]):
            rows[action] = cells[1:]
    return rows


def test_every_action_is_documented_with_exactly_its_roles() -> None:
    table = _table()
    assert set(table) == set(ACTIONS)
    for action, cells in table.items():
        documented = {role for role, cell in zip(COLUMNS, cells, strict=True) if cell}
        assert documented == set(ACTIONS[action]), action
        officer = cells[COLUMNS.index(Role.FORCE_OFFICER)]
        if officer:
            assert (officer == "own force") == (action in FORCE_SCOPED), action
