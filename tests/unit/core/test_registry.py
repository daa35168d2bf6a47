"""A registry keeps registration order and refuses two plugins of one name."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from safeguard.errors import PluginError
from safeguard.registry import by_name


@dataclass(frozen=True)
class P:
    name: str


def test_order_is_kept() -> None:
    assert list(by_name("thing", [P("b"), P("a")])) == ["b", "a"]


def test_duplicate_names_fail_loudly() -> None:
    with pytest.raises(PluginError, match="two things are named 'a'"):
        by_name("thing", [P("a"), P("b"), P("a")])
