"""Exit codes as docs/cli.md states them, one-line errors, no traceback, bars on terminals only."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from safeguard.cli import common
from safeguard.cli import main as cli_main
from safeguard.cli.main import app
from safeguard.errors import PipelineError


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFEGUARD_DATA_DIR", str(tmp_path / "data"))
    for key in ("SAFEGUARD_DATABASE_URL", "SAFEGUARD_OPERATION"):
        monkeypatch.delenv(key, raising=False)


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "args",
    [("rerun", "nope", "-o", "op"), ("ingest", "d", "-o", "op", "--format", "nope"),
     ("hashsets", "import", "f", "--format", "nope"),
     ("hashsets", "import", "f", "--category", "nope"),
     ("hashsets", "export", "s", "out", "--format", "nope")],
    ids=" ".join,
)  # fmt: skip
def test_an_unknown_name_is_a_usage_error(args: tuple[str, ...]) -> None:
    code, out = _run(*args)
    assert code == 2 and "'nope' is not one of" in out


def test_port_out_of_range_is_a_usage_error_not_an_overflow() -> None:
    code, out = _run("serve", "--port", "99999")
    assert code == 2 and "--port" in out and "Overflow" not in out


@pytest.mark.parametrize(
    "args",
    [("ingest", "somewhere"), ("rerun", "match"), ("referrals",), ("attribution", "show", "x"),
     ("run", "somewhere"), ("subjects", "merge", "S-1", "-j", "why"), ("attribution", "run")],
    ids=" ".join,
)  # fmt: skip
def test_no_operation_is_a_usage_error(args: tuple[str, ...]) -> None:
    code, out = _run(*args)
    assert code == 2 and "--operation" in out and "SAFEGUARD_OPERATION" in out


def test_safeguard_operation_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFEGUARD_OPERATION", "ghost")
    code, out = _run("attribution", "show", "x")
    assert code == 3 and "ghost" in out


def _failing_app(message: str) -> typer.Typer:
    small = typer.Typer()

    @small.command()
    @common.handle_errors
    def fail() -> None:
        raise PipelineError(message)

    @small.command()
    def other() -> None: ...

    return small


def test_a_long_error_is_one_line_however_narrow_the_console() -> None:
    message = "the stage cannot run: " + " ".join(f"word{i}" for i in range(40)) + " [bold]x[/]"
    result = CliRunner().invoke(_failing_app(message + "\nsecond line"), ["fail"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"error: {message} second line"]


def test_an_unexpected_exception_is_one_line_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom() -> None:
        raise OverflowError("bind(): port must be 0-65535.")

    monkeypatch.setattr(cli_main, "app", boom)
    with pytest.raises(SystemExit) as exit_info:
        cli_main.main()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "OverflowError: bind(): port must be 0-65535." in err


def test_progress_bars_stay_off_a_pipe_unless_asked(capsys: pytest.CaptureFixture[str]) -> None:
    for force in (False, True):
        with common.RichProgress(force=force) as progress, progress.task("loading rows", 3) as t:
            t.advance(3)
        err = capsys.readouterr().err
        assert ("loading rows" in err) is force


def test_lists_named_for_start_up_match_the_stages() -> None:
    from safeguard.cli.operations import OUTCOME_KINDS
    from safeguard.cli.pipeline import RERUN_STAGES
    from safeguard.hashsets import EXPORT_FORMATS
    from safeguard.pipeline import STAGES
    from safeguard.track import OUTCOME_KINDS as TRACKED

    assert tuple(STAGES) == RERUN_STAGES
    assert OUTCOME_KINDS == TRACKED
    export_help = CliRunner().invoke(app, ["hashsets", "export", "--help"]).output
    assert all(name in export_help for name in EXPORT_FORMATS)
