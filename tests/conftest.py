"""Shared fixtures: the repository root, and the sample brief built once per test session."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "tests" / "fixtures" / "sample"
# A brief with only the required metadata (title, series, number, author, lang) and two short sections.
MINIMAL = REPO / "tests" / "fixtures" / "minimal"


def run_cli(*args: str, cwd: Path = REPO, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run `python build.py ARGS` as a user would, capturing text output."""
    return subprocess.run(
        [sys.executable, str(REPO / "build.py"), *args],
        cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env,
    )


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> Path:
    """The sample brief built once into a temporary folder (all three formats)."""
    out = tmp_path_factory.mktemp("sample-dist")
    done = run_cli("build", "--root", str(SAMPLE), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    """A private copy of the sample brief that a test may change."""
    target = tmp_path / "brief"
    shutil.copytree(SAMPLE, target)
    return target


def pdftotext(pdf: Path, *args: str) -> str:
    """The PDF's text as poppler's pdftotext gives it."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: run `bash scripts/install.sh --test` (installs poppler-utils)")
    return subprocess.run(["pdftotext", *args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="session")
def brief50_build(tmp_path_factory) -> Path:
    """Brief 50 built once into a temporary folder: PDF, DOCX, HTML and the print PDF."""
    out = tmp_path_factory.mktemp("brief50-dist")
    done = run_cli("build", "--root", str(REPO), "--out", str(out), "--print")
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="session")
def minimal_build(tmp_path_factory) -> Path:
    """The minimal brief built once into a temporary folder: PDF, DOCX, HTML and the print PDF."""
    out = tmp_path_factory.mktemp("minimal-dist")
    done = run_cli("build", "--root", str(MINIMAL), "--out", str(out), "--print")
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def verapdf(flavour: str, *pdfs: Path) -> subprocess.CompletedProcess:
    """veraPDF (tests/verapdf/vera.sh) on the PDFs; a failure naming the install command when it is missing."""
    done = subprocess.run(["bash", str(REPO / "tests" / "verapdf" / "vera.sh"), flavour, *map(str, pdfs)],
                          capture_output=True, text=True, timeout=600)
    if done.returncode == 3:
        pytest.fail(done.stderr.strip())
    return done


def tool(name: str, package: str) -> str:
    """The path of a command-line tool the tests need, or a failure naming the Debian package."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: run `bash scripts/install.sh --test` (installs {package})")
    return path


@pytest.fixture(scope="session", autouse=True)
def _release_weasyprint_fonts():
    """Drop the stylesheets (and their FontConfigurations) that in-process renders cached, while WeasyPrint can still
    clean them up: at interpreter teardown its FontConfiguration.__del__ finds its module globals gone and prints a
    TypeError after pytest's summary line."""
    yield
    pdf = sys.modules.get("qibrief.pdf")
    if pdf is not None:
        pdf._STYLESHEET_CACHE.clear()
        import gc

        gc.collect()
