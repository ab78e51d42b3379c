"""An editor's edit made by LibreOffice itself, through its UNO bridge: run with Debian's Python (python3-uno).

    /usr/bin/python3 tests/lo_edit.py PROFILE IN.docx OUT.docx ACTION ARG...

ACTION is one of
    replace OLD NEW          type over text (tracking off), in the body or a note
    delete-tracked TEXT      with changes recorded, delete TEXT and the note mark right after it
LibreOffice runs headless with its own profile (PROFILE, a folder) and is stopped at the end; OUT is saved as
"MS Word 2007 XML". Exits 1 with a message when the text is not found.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import uno  # noqa: F401  (Debian's python3-uno: sets up the bridge)
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def _props(**values) -> tuple:
    out = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name, prop.Value = name, value
        out.append(prop)
    return tuple(out)


def _connect(pipe: str):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(120):
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        except NoConnectException:
            time.sleep(0.5)
    raise SystemExit("LibreOffice did not answer on its pipe")


def _find(document, text: str):
    search = document.createSearchDescriptor()
    search.SearchString = text
    search.SearchCaseSensitive = True
    found = document.findFirst(search)
    if found is None:
        raise SystemExit(f"text not found: {text!r}")
    return found


def main(profile: str, source: str, target: str, action: str, *args: str) -> None:
    pipe = f"qibrief_lo_{Path(profile).name}"
    office = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore", "--nologo",
                               f"-env:UserInstallation={Path(profile).resolve().as_uri()}",
                               f"--accept=pipe,name={pipe};urp;"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        desktop = _connect(pipe)
        document = desktop.loadComponentFromURL(Path(source).resolve().as_uri(), "_blank", 0, _props(Hidden=True))
        if action == "replace":
            _find(document, args[0]).setString(args[1])
        elif action == "delete-tracked":
            document.setPropertyValue("RecordChanges", True)
            found = _find(document, args[0])
            cursor = found.getText().createTextCursorByRange(found)
            cursor.goRight(1, True)  # the note's anchor
            cursor.setString("")
        else:
            raise SystemExit(f"unknown action {action}")
        document.storeToURL(Path(target).resolve().as_uri(), _props(FilterName="MS Word 2007 XML"))
        document.close(True)
        try:
            desktop.terminate()
        except Exception:  # the bridge goes down with LibreOffice
            pass
    finally:
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()


if __name__ == "__main__":
    main(*sys.argv[1:])
