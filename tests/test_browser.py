"""The web page in a real browser: Debian's Chromium, headless, driven by playwright-core, runs axe-core on brief 50's
and the minimal brief's pages (no violation), sees no request leave the page, and follows every note marker to its
note and back (tests/browser/axe-check.mjs)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO

SCRIPT = REPO / "tests" / "browser" / "axe-check.mjs"
MODULES = REPO / ".tools" / "node_modules"


def _chromium() -> str:
    """The system browser: QIBRIEF_CHROMIUM, else chromium, chromium-browser or google-chrome on PATH."""
    for candidate in (os.environ.get("QIBRIEF_CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
                      shutil.which("google-chrome")):
        if candidate:
            return candidate
    pytest.fail("no Chromium: run `bash scripts/install.sh --test` (installs Debian's chromium)")


def _check(*pages: Path) -> tuple[int, list[dict], str]:
    """Run the browser check on the pages: its exit code, one report per page, and its stderr."""
    node = shutil.which("node")
    if node is None or not (MODULES / "playwright-core").is_dir() or not (MODULES / "axe-core").is_dir():
        pytest.fail("node, playwright-core or axe-core is missing: run `bash scripts/install.sh --test`")
    done = subprocess.run([node, str(SCRIPT), *map(str, pages)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "QIBRIEF_CHROMIUM": _chromium()})
    reports = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return done.returncode, reports, done.stderr


@pytest.mark.slow
def test_web_pages_pass_axe_and_stay_offline(brief50_build, minimal_build):
    """axe-core finds no violation (WCAG 2.1 A/AA and best practices) on brief 50's and the minimal brief's web
    pages; each loads nothing but itself and data: URLs; each marker lands on its note and its back-link on it."""
    pages = [brief50_build / "qi-brief-50.html", minimal_build / "qi-brief-1.html"]
    code, reports, errors = _check(*pages)
    assert [r["file"] for r in reports] == [str(p) for p in pages], errors
    for report in reports:
        assert report["violations"] == [], report
        assert report["outside"] == [], report
        assert set(report["requests"]) <= {p.as_uri() for p in pages} | {r for r in report["requests"] if r.startswith("data:")}
        assert report["navigation"] == [], report
    assert [r["notes"] for r in reports] == [40, 3]
    assert code == 0, errors


def test_browser_check_reports_requests_leaving_the_page(tmp_path):
    """The check itself: a page that loads an image from another host, has no language and a broken note link
    is reported (the request stopped and listed, axe's violations, the failed navigation), with exit 1."""
    page = tmp_path / "leaky.html"
    page.write_text(
        '<!DOCTYPE html><html><head><title>Leaky</title></head><body><main>'
        '<p>Text<a href="#fn2" class="footnote-ref" id="fnref1" role="doc-noteref">1</a></p>'
        '<img src="http://example.invalid/pixel.png" alt="pixel">'
        '<ol><li id="fn1">A note. <a href="#fnref1" class="footnote-back">back</a></li>'
        '<li id="fn2">Other. <a href="#fnref1" class="footnote-back">back</a></li></ol></main></body></html>',
        encoding="utf-8")
    code, reports, errors = _check(page)
    assert code == 1, errors
    (report,) = reports
    assert report["outside"] == ["http://example.invalid/pixel.png"]
    assert "html-has-lang" in {v["id"] for v in report["violations"]}
    assert report["navigation"] == ["marker 1: :target is #fn2"]
