#!/usr/bin/env python3
"""Build QI briefs: `python build.py --help`."""

import sys
from pathlib import Path

# Lets a fresh checkout run before `pip install -e .`; the package itself lives in src/.
sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from qibrief.cli import run  # noqa: E402

if __name__ == "__main__":
    run()
