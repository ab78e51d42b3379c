"""The no-op build without click (qibrief/noop.py): it reads a command line as click does or leaves it to click, and
prints what click's path prints."""

from __future__ import annotations

import inspect
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from conftest import REPO, SAMPLE, run_cli
from qibrief import noop
from qibrief.batch import configs_from_options
from qibrief.cli import build_command
from qibrief.formats import DEFAULT

# build.py as it ran every command before noop.py: click's path alone.
CLICK_ALONE = (sys.executable, "-c", "import sys; sys.argv[0] = 'build.py'; from qibrief.cli import run; run()")
# build's parameters the no-op sets, each at its default (batch.configs_from_options's; --jobs: the cores).
DEFAULTS = {name: p.default for name, p in inspect.signature(configs_from_options).parameters.items()} | {"jobs": None}


def _click_params(args: list[str]) -> dict | None:
    """build's parameters as click reads the command line (`build.py` alone runs build), or None if it refuses."""
    if args[:1] == ["build"]:
        rest = args[1:]
    elif not args:
        rest = []
    else:
        return None  # another command, or a group option: never the no-op's
    try:
        return build_command.make_context("build", rest).params
    except (click.exceptions.Exit, click.ClickException):  # --help exits; a usage error
        return None


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """A working folder holding a brief-like folder `b`, a folder `c`, and a file `f`."""
    (tmp_path / "b" / "content").mkdir(parents=True)
    (tmp_path / "c").mkdir()
    (tmp_path / "f").write_text("")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("args", [
    [], ["build"], ["build", "--root", "b"], ["build", "--root=b"], ["build", "--out", "c", "--root", "b"],
    ["build", "--root", "b", "--root", "c"], ["build", "--out", "o", "--out", "p"], ["build", "--out=o=p"],
    ["build", "--format", "pdf", "--format", "docx"], ["build", "--format", "pdf", "--format", "pdf"],
    ["build", "--format", "PDF"], ["build", "--format", "print"], ["build", "--format="], ["build", "--format"],
    ["build", "--print"], ["build", "--print=1"], ["build", "--print", "--print"], ["build", "--strict"],
    ["build", "--docx-notes", "footnotes"], ["build", "--docx-notes=endnotes"], ["build", "--docx-notes", "notes"],
    ["build", "--jobs", "2"], ["build", "--jobs", "02"], ["build", "--jobs", "0"], ["build", "--jobs", "65"],
    ["build", "--jobs", "64"], ["build", "--jobs", " 2"], ["build", "--jobs", "x"], ["build", "--jobs", "2", "--jobs", "3"],
    ["build", "--"], ["build", "--", "--root", "b"], ["build", "b"], ["build", "-h"], ["build", "--help"],
    ["build", "--ro", "b"], ["build", "--roo=b"], ["build", "--form", "pdf"], ["build", "--no-cache"],
    ["build", "--list-stale"], ["build", "--json"], ["build", "--root", "missing"], ["build", "--root", "f"],
    ["build", "--root", ""], ["build", "--root="], ["build", "--out", "f"], ["build", "--out", ""],
    ["build", "--out", "--strict"], ["build", "--root", "-b"], ["build", "--root"], ["build", "--strict=yes"],
    ["--help"], ["-h"], ["--debug", "build"], ["check"], ["watch"], ["build", "build"], ["Build"],
])
def test_reads_the_command_line_as_click_or_leaves_it(folders, args):
    """For each command line, the no-op either declines it or reads the very parameters click reads: the options
    it does not set are at their defaults for click too."""
    fast = noop.read_options(args)
    if fast is None:
        return
    clicked = _click_params(args)
    assert clicked is not None, f"click refuses {args}, the no-op read {fast}"
    assert {**DEFAULTS, **fast} == {name: clicked[name] for name in DEFAULTS}
    assert {name: value for name, value in clicked.items() if name not in DEFAULTS} == {
        "list_stale": False, "as_json": False}


def test_reads_the_usual_command_lines():
    """The command lines authors and the benchmark type are the no-op's."""
    assert noop.read_options([]) == {}
    assert noop.read_options(["build"]) == {}
    assert noop.read_options(["build", "--root", str(SAMPLE), "--out", "dist", "--format", "pdf", "--print"]) == {
        "roots": (SAMPLE,), "out": Path("dist"), "formats": ("pdf",), "print_pdf": True}


def test_options_agree_with_clicks():
    """Each option the no-op reads is build's, with click's name, kind, choices, range and default."""
    params = {param.name: param for param in build_command.params}
    defaults = build_command.make_context("build", []).params
    for name, (parameter, kind) in noop._OPTIONS.items():
        param = params[parameter]
        assert param.opts == [name]
        assert param.is_flag == (kind == "flag")
        assert param.multiple == (parameter in noop._REPEATED)
        assert defaults[parameter] == DEFAULTS[parameter]
        if kind == "format":
            assert tuple(param.type.choices) == DEFAULT
        if kind == "note kind":
            assert tuple(param.type.choices) == noop.NOTE_KINDS
        if kind == "jobs":
            assert (param.type.min, param.type.max) == noop.JOBS_RANGE
            assert not (param.type.min_open or param.type.max_open or param.type.clamp)
        if kind in ("folder", "output folder"):
            assert (param.type.exists, param.type.file_okay, param.type.readable) == (kind == "folder", False, True)


def _through_click(*args: str) -> subprocess.CompletedProcess:
    """The command line run by click alone, as build.py ran every command before noop.py."""
    return subprocess.run([*CLICK_ALONE, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300, env=_env())


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO / "src")}


def _into_closed_pipe(command: list[str]) -> tuple[int, str]:
    """The exit code and stderr of a command whose stdout's reader has gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(command, cwd=REPO, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=300,
                              env=_env())
    finally:
        os.close(write_end)
    return done.returncode, done.stderr


def _timeless(text: str) -> str:
    return re.sub(r"Built in \d+\.\d\d s", "Built in N s", text)


@pytest.mark.slow
def test_noop_prints_what_click_prints_and_a_stale_brief_still_builds(tmp_path):
    """A brief with nothing to do prints the same lines and exit code through noop.py as through click; once a
    section changes, the same command line renders again."""
    brief = tmp_path / "brief"
    shutil.copytree(SAMPLE, brief)
    out = tmp_path / "dist"
    args = ("build", "--root", str(brief), "--out", str(out), "--format", "html", "--format", "pdf")
    assert run_cli(*args).returncode == 0
    fast, slow = run_cli(*args), _through_click(*args)
    assert (fast.returncode, _timeless(fast.stdout), fast.stderr) == (slow.returncode, _timeless(slow.stdout), slow.stderr)
    assert fast.stdout.startswith("Up to date: "), fast.stdout
    assert (_into_closed_pipe([sys.executable, str(REPO / "build.py"), *args])
            == _into_closed_pipe([*CLICK_ALONE, *args]) == (1, ""))
    section = sorted((brief / "content").glob("*.md"))[-1]
    section.write_text(section.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    assert "wrote " in again.stdout, again.stdout
    assert "Up to date" not in again.stdout


def test_failures_go_through_click(tmp_path):
    """A command line the no-op takes, for a folder that is no brief (with a record to check), fails with click's
    message and exit code."""
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / ".qibrief-cache.json").write_text("{}")
    args = ("build", "--root", str(tmp_path), "--out", str(tmp_path / "dist"))
    fast, slow = run_cli(*args), _through_click(*args)
    assert fast.returncode == slow.returncode != 0
    assert (fast.stdout, fast.stderr) == (slow.stdout, slow.stderr)


def test_python_version_is_platforms():
    """The cache's digest names Python's version as platform.python_version() does, without importing platform."""
    import platform

    from qibrief.cache import python_version

    assert python_version() == platform.python_version()


def test_ctrl_c_is_aborted_as_click_says_it(monkeypatch, capsys):
    def interrupted(options):
        raise KeyboardInterrupt

    class Exited(Exception):
        pass

    def fake_exit(code):
        raise Exited(code)

    monkeypatch.setattr(noop, "_report", interrupted)
    monkeypatch.setattr(noop.os, "_exit", fake_exit)
    with pytest.raises(Exited) as exited:
        noop.exit_if_up_to_date(["build"])
    assert exited.value.args == (1,)
    assert capsys.readouterr().err == "Aborted!\n"
