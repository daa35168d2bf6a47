"""The ruleset file: the built-in rules as data, changes that move tiers, errors with lines."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeguard.assess.facts import Finding, SubjectFacts
from safeguard.assess.ruleset import read_ruleset
from safeguard.cli.main import app
from safeguard.errors import ConfigError
from safeguard.records import Tier

BUILT_IN = resources.files("safeguard.data").joinpath("rulesets", "kirat-lite.yaml").read_text()


def trusted() -> SubjectFacts:
    finding = Finding(7, "DBS", "position_of_trust", "education", None, None, "email", "x")
    return SubjectFacts(subject_id=1, label="S-000001", account_ids=(1,), findings=(finding,))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_built_in_ruleset_names_tiers_as_the_unit_does() -> None:
    rules = read_ruleset()
    assert rules.label == "kirat-lite/3"
    assert [t.name for t in rules.tiers] == ["Very High", "High", "Medium", "Low"]
    assert rules.parse_tier("high") is Tier.T2
    assert rules.parse_tier("Very High") is Tier.T1
    assert rules.parse_tier("4") is Tier.T4
    assert rules.timescale(Tier.T1).days == 1 and rules.timescale("3").days == 28
    with pytest.raises(ConfigError, match="unknown tier 'urgent'"):
        rules.parse_tier("urgent")


def test_changing_a_weight_in_the_file_changes_the_tier(tmp_path: Path) -> None:
    assert read_ruleset().assess(trusted())[0] is Tier.T2
    heavier = BUILT_IN.replace(
        "  position-of-trust:\n    points: 25", "  position-of-trust:\n    points: 65"
    )
    assert heavier != BUILT_IN
    rules = read_ruleset(write(tmp_path, heavier))
    tier, sink = rules.assess(trusted())
    assert tier is Tier.T1 and sink.score == 65
    assert rules.sha256 != read_ruleset().sha256


def test_renamed_tiers_keep_their_stored_codes(tmp_path: Path) -> None:
    rules = read_ruleset(write(tmp_path, BUILT_IN.replace("name: Very High", "name: Urgent")))
    assert rules.tier_name("1") == "Urgent"
    assert rules.parse_tier("urgent") is Tier.T1


@pytest.mark.parametrize(
    ("edit", "key", "needle", "message"),
    [
        (("  facilitators:", "  facilitatorz:"), "factors.facilitatorz", "facilitatorz",
         "unknown factor"),
        (("    min_score: 35\n", ""), "tiers.1.min_score", 'code: "2"', "missing"),
        (("min_outgoing: 10", "min_outgoing: ten"), "factors.distribution.min_outgoing",
         "min_outgoing", "integer"),
        (("volume_points: 4", "volume_pts: 4"), "factors.distribution.volume_pts",
         "volume_pts", "unknown key"),
        (("[contact-indicators, access-to-children]", "[contact-indicators, access-to-kids]"),
         "lifts.0.flags.1", "access-to-kids", "flag"),
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_naming_key_and_line(
    tmp_path: Path, edit: tuple[str, str], key: str, needle: str, message: str
) -> None:
    text = BUILT_IN.replace(*edit, 1)
    assert text != BUILT_IN
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        read_ruleset(path)
    said = str(err.value)
    assert f"{path} line {line_of(text, needle)}: {key}:" in said
    assert message in said


def test_ruleset_check_command_exits_non_zero_on_a_bad_file(tmp_path: Path) -> None:
    runner = CliRunner()
    good = runner.invoke(app, ["ruleset", "check", str(write(tmp_path, BUILT_IN))])
    assert good.exit_code == 0, good.output
    assert "valid ruleset kirat-lite/3" in " ".join(good.output.split())
    bad = write(tmp_path, BUILT_IN.replace("cap: 9", "cap: lots"))
    result = runner.invoke(app, ["ruleset", "check", str(bad)])
    assert result.exit_code == 2
    assert "factors.facilitators.cap" in "".join(result.output.split())
