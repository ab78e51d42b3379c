"""A build with nothing to do, answered without click: the command authors run most (after every edit, from
editors' build-on-save hooks), whose cost beyond Python's start was a third click's import.

build.py calls exit_if_up_to_date for `build.py` alone or `build.py build ...`. It reads the command line itself,
only as far as it is sure click would read it the same way (tests/test_noop.py compares the two on a table of
command lines); then runs build's own up-to-date check (uptodate.check_up_to_date) and prints what build prints.
Anything else returns, and click runs the command as if this module did not exist: an option it does not know,
`--help`, a value click would refuse, several briefs, a brief to render, any error.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from .formats import DEFAULT, NOTE_KINDS

# The options of `build` a no-op may take, and the parameter each sets in cli.build_command: their defaults are
# batch.configs_from_options's (--jobs: the machine's cores). Kinds: a flag, or how a value is read.
_OPTIONS = {
    "--root": ("roots", "folder"),
    "--out": ("out", "output folder"),
    "--format": ("formats", "format"),
    "--print": ("print_pdf", "flag"),
    "--docx-notes": ("docx_notes", "note kind"),
    "--strict": ("strict", "flag"),
    "--jobs": ("jobs", "jobs"),
}
# Options click lets repeat, each value added to a tuple; repeating any other one is left to click.
_REPEATED = {"roots", "formats"}
# What click's range for --jobs accepts (tests/test_noop.py compares; --format's choices are formats.DEFAULT and
# --docx-notes' formats.NOTE_KINDS, for both).
JOBS_RANGE = (1, 64)


def exit_if_up_to_date(args: list[str]) -> None:
    """Print what `build` prints when the brief has nothing to render and exit 0; return in every other case."""
    try:
        options = read_options(args)
        text = None if options is None else _report(options)
    except KeyboardInterrupt:  # Ctrl-C: what click prints then, with its exit code
        sys.stderr.write("Aborted!\n")
        os._exit(1)
    if text is None:
        return
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left: click exits 1 then, saying nothing
        os._exit(1)
    os._exit(0)  # as cli.run: nothing to tear down


def read_options(args: list[str]) -> dict[str, object] | None:
    """build's parameters the command line sets (`build` and known options, or nothing at all), each as click
    would convert it; None when click might read it otherwise, or refuse it."""
    if args[:1] == ["build"]:
        args = args[1:]
    elif args:
        return None
    options: dict[str, object] = {}
    remaining = iter(args)
    for arg in remaining:
        name, has_value, value = arg.partition("=")
        if name not in _OPTIONS:
            return None  # `--`, an argument, --help, an abbreviation, an option the no-op does not need
        parameter, kind = _OPTIONS[name]
        if kind == "flag":
            if has_value or parameter in options:
                return None
            options[parameter] = True
            continue
        converted = _convert(kind, value if has_value else next(remaining, ""))
        if converted is None:
            return None
        if parameter in _REPEATED:
            options[parameter] = (*options.get(parameter, ()), converted)
        elif parameter in options:
            return None
        else:
            options[parameter] = converted
    return options


def _convert(kind: str, value: str) -> object | None:
    # Only values click surely takes as they are: none empty, none that could be read as an option.
    if not value or value.startswith("-"):
        return None
    if kind == "folder":  # click.Path(exists=True, file_okay=False): a folder it can read
        return Path(value) if os.path.isdir(value) and os.access(value, os.R_OK) else None
    if kind == "output folder":  # click.Path(file_okay=False): anything but a file
        return None if os.path.isfile(value) else Path(value)
    if kind == "format":
        return value if value in DEFAULT else None
    if kind == "note kind":
        return value if value in NOTE_KINDS else None
    if kind == "jobs":
        low, high = JOBS_RANGE
        return int(value) if value.isascii() and value.isdigit() and low <= int(value) <= high else None
    raise ValueError(kind)


def _report(options: dict[str, object]) -> str | None:
    # What build prints for a brief with nothing to render, or None. The modules of the check itself are read
    # only for a command line that may be a no-op.
    from .batch import configs_from_options
    from .cache import CACHE_FILE
    from .uptodate import check_up_to_date

    start = time.perf_counter()  # where build's own "Built in" starts: after its imports
    settings = {name: value for name, value in options.items() if name != "jobs"}  # jobs matter to a render only
    try:
        configs = configs_from_options(**settings)
        # Several briefs print their lines prefixed; a folder never built into has nothing up to date.
        if len(configs) != 1 or not os.path.isfile(configs[0].out / CACHE_FILE):
            return None
        line = check_up_to_date(configs[0])
    except Exception:  # noqa: BLE001 - click's path runs the build again and reports it as it always has
        return None
    # click.echo strips terminal escapes from what it prints to a file: such a line goes through click.
    if line is None or not (line.isascii() and line.isprintable()):
        return None
    return f"{line}\nBuilt in {time.perf_counter() - start:.2f} s\n"
