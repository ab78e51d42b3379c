"""An editor's edit made by LibreOffice itself, through its UNO bridge, saved as Word 2007 XML (a test tool).

From a test, `edit(source, target, profile, action, *args)` runs this file with a Python that has Debian's
python3-uno and returns the finished process. As a script, with that Python:
    /usr/bin/python3 tests/libreoffice_edit.py IN.docx OUT.docx PROFILE ACTION [ARG ...]
ACTION is one of (a "-tracked" ending records the edit with Track Changes, as an editor with it on):
    replace OLD NEW                       type NEW over the text OLD, in the body or a note
    delete SENTENCE                       delete SENTENCE and the note mark right after it
    insert-note AFTER TEXT                add a note with the text TEXT right after the text AFTER
    replace-tracked, delete-tracked, insert-note-tracked
    resave                                open and save again, no change
The author of tracked changes is "Editor" (the profile's user name). LibreOffice runs headless with its own
profile (PROFILE, a folder), so that runs in parallel share none, and is stopped at the end. Exits 1 with a
message when a text is not found.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from functools import lru_cache
from pathlib import Path

ACTIONS = ("replace", "delete", "insert-note", "resave")
TRACKED = "-tracked"


@lru_cache(maxsize=1)
def uno_python() -> str:
    """A Python that can import uno (Debian's python3-uno installs it for /usr/bin/python3)."""
    for python in dict.fromkeys((sys.executable, shutil.which("python3", path="/usr/bin") or "/usr/bin/python3")):
        if subprocess.run([python, "-c", "import uno"], capture_output=True, check=False).returncode == 0:
            return python
    raise AssertionError("python3-uno is missing: run `bash scripts/install.sh --test` (installs python3-uno)")


def edit(source: Path, target: Path, profile: Path, action: str, *args: str) -> subprocess.CompletedProcess:
    """Run the edit in LibreOffice (this file, with uno_python()); HOME is the profile's folder, not the user's."""
    return subprocess.run([uno_python(), __file__, str(source), str(target), str(profile), action, *args],
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "HOME": str(Path(profile).parent)})


# What follows runs inside uno_python() only: the tests' own Python need not have uno.

def _prop(name: str, value):
    from com.sun.star.beans import PropertyValue

    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def _connect(pipe: str):
    import uno
    from com.sun.star.connection import NoConnectException

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(600):
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except NoConnectException:  # until soffice listens
            time.sleep(0.1)
    raise SystemExit("libreoffice_edit: LibreOffice did not answer on its pipe")


def _set_author(ctx, name: str) -> None:
    provider = ctx.ServiceManager.createInstanceWithContext("com.sun.star.configuration.ConfigurationProvider", ctx)
    access = provider.createInstanceWithArguments(
        "com.sun.star.configuration.ConfigurationUpdateAccess", (_prop("nodepath", "/org.openoffice.UserProfile/Data"),))
    access.setPropertyValue("givenname", name)
    access.setPropertyValue("sn", "")
    access.commitChanges()


def _find(doc, text: str):
    search = doc.createSearchDescriptor()
    search.SearchString = text
    search.SearchCaseSensitive = True
    found = doc.findFirst(search)
    if found is None:
        raise SystemExit(f"libreoffice_edit: {text!r} is not in the document")
    return found


def _apply(doc, action: str, args: tuple[str, ...]) -> None:
    if action == "replace":
        _find(doc, args[0]).setString(args[1])
    elif action == "delete":
        found = _find(doc, args[0])
        cursor = found.getText().createTextCursorByRange(found)
        cursor.goRight(1, True)  # the note's anchor, right after the sentence
        cursor.setString("")
    elif action == "insert-note":
        found = _find(doc, args[0])
        cursor = found.getText().createTextCursorByRange(found.getEnd())
        note = doc.createInstance("com.sun.star.text.Endnote")
        found.getText().insertTextContent(cursor, note, False)
        note.setString(args[1])


def main(source: str, target: str, profile: str, action: str, *args: str) -> None:
    import uno

    base = action.removesuffix(TRACKED)
    if base not in ACTIONS or (base == "resave" and action != base):
        raise SystemExit(f"libreoffice_edit: unknown action {action!r}")
    pipe = f"qibrief-lo-{os.getpid()}"
    office = subprocess.Popen(
        ["soffice", "--headless", "--invisible", "--norestore", "--nologo",
         f"-env:UserInstallation={uno.systemPathToFileUrl(os.path.abspath(profile))}", f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ctx = _connect(pipe)
        _set_author(ctx, "Editor")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(source)), "_blank", 0,
                                           (_prop("Hidden", True),))
        doc.RecordChanges = action.endswith(TRACKED)
        _apply(doc, base, args)
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(target)), (_prop("FilterName", "MS Word 2007 XML"),))
        doc.close(True)
        try:
            desktop.terminate()
        except Exception:  # noqa: BLE001 - the bridge goes away as LibreOffice quits
            pass
    finally:
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()


if __name__ == "__main__":
    main(*sys.argv[1:])
