"""The cache of WeasyPrint's C declarations' parse trees (qibrief.cdefs): the same trees as pycparser's own parse,
read only from a private file of this user's, and any problem falls back to the parse."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from qibrief import cdefs

SRC = Path(cdefs.__file__).resolve().parents[1]

# A child process: the cache is installed once per process. It imports WeasyPrint, parses one more type, and
# prints how many parses pycparser really ran and a fingerprint of what cffi made of the declarations.
_CHILD = """
import sys
sys.path.insert(0, {src!r})
import pycparser.c_parser as cp
real = cp.CParser._parse_translation_unit_or_empty
count = [0]
def counted(self, *args, **kwargs):
    count[0] += 1
    return real(self, *args, **kwargs)
cp.CParser._parse_translation_unit_or_empty = counted
from qibrief.pdf import import_weasyprint
import_weasyprint()
from weasyprint.text.ffi import ffi
ffi.typeof("PangoRectangle *")
decls = ffi._parser._declarations
print(count[0], len(decls), hash(tuple(sorted((name, str(tp), quals) for name, (tp, quals) in decls.items()))))
"""


def _run(cache: Path, *args: str) -> list[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONHASHSEED": "0"}
    done = subprocess.run([sys.executable, "-c", _CHILD.format(src=str(SRC)), *args], env=env, capture_output=True,
                          text=True, check=True)
    return done.stdout.split()


def _cache_file(cache: Path) -> Path:
    found = list((cache / "qibrief").glob("cdefs-*.pickle"))
    assert len(found) == 1
    return found[0]


def test_a_second_import_parses_only_what_was_not_recorded_and_makes_the_same_declarations(tmp_path):
    """The first import parses and records WeasyPrint's declarations (a private file in a private folder); the
    second parses only the type the first did not record, and cffi makes exactly the same declarations."""
    first = _run(tmp_path)
    path = _cache_file(tmp_path)
    assert oct(path.stat().st_mode & 0o777) == "0o600" and oct(path.parent.stat().st_mode & 0o777) == "0o700"
    second = _run(tmp_path)
    assert int(first[0]) == 2 and int(second[0]) == 1  # the import's declarations came from the file
    assert first[1:] == second[1:]


def test_a_file_others_may_write_or_a_corrupt_one_is_not_read(tmp_path):
    """A cache file that others could have written, or that does not unpickle, is ignored: pycparser parses."""
    _run(tmp_path)
    path = _cache_file(tmp_path)
    os.chmod(path, 0o644)
    assert int(_run(tmp_path)[0]) == 2
    os.chmod(path, 0o600)
    path.write_bytes(b"not a pickle")
    os.chmod(path, 0o600)
    assert int(_run(tmp_path)[0]) == 2


def test_a_tree_that_does_not_load_is_parsed_again(tmp_path):
    """An entry whose tree does not unpickle is parsed by pycparser; nothing else is lost."""
    _run(tmp_path)
    path = _cache_file(tmp_path)
    known = pickle.loads(path.read_bytes())
    path.write_bytes(pickle.dumps({key: b"broken" for key in known}))
    os.chmod(path, 0o600)
    assert int(_run(tmp_path)[0]) == 2


@pytest.mark.skipif(os.geteuid() != 0, reason="needs to give the file to another user")
def test_a_file_of_another_user_is_not_read(tmp_path):
    """A private file of another user's is no cache."""
    _run(tmp_path)
    os.chown(_cache_file(tmp_path), 65534, 65534)
    assert int(_run(tmp_path)[0]) == 2


def test_the_install_step_records_the_first_render_s_fixed_types_too(tmp_path):
    """After `python3 -m qibrief.warmup` (scripts/install.sh), neither the import nor a type the first render
    asks for is parsed again."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "PYTHONPATH": str(SRC)}
    subprocess.run([sys.executable, "-m", "qibrief.warmup"], env=env, capture_output=True, check=True)
    assert int(_run(tmp_path)[0]) == 0
