#!/usr/bin/env python3
"""Build QI briefs: `python build.py --help`."""

import sys
from pathlib import Path

# Lets a fresh checkout run before `pip install -e .`; the package itself lives in src/.
sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

if __name__ == "__main__":
    # A build with nothing to do answers without loading click (qibrief/noop.py says why); it returns otherwise.
    if sys.argv[1:2] in ([], ["build"]):
        from qibrief.noop import exit_if_up_to_date

        exit_if_up_to_date(sys.argv[1:])
    from qibrief.cli import run

    run()
