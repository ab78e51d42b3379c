"""Edit a DOCX the way an editor does in LibreOffice, through UNO, and save it as Word 2007 XML (a test tool).

Run with the Python that has Debian's python3-uno (/usr/bin/python3):
    python3 libreoffice_edit.py IN.docx OUT.docx PROFILE_DIR ACTION [TEXT ...]
ACTION is one of:
    delete SENTENCE            with Track Changes on, delete SENTENCE and the note marker right after it
    insert-note AFTER NOTE     with Track Changes on, add a note with the text NOTE right after the text AFTER
    delete-untracked, insert-note-untracked: the same with Track Changes off
    resave                     open and save again, no change
The author of tracked changes is "Editor" (the profile's user name). LibreOffice runs with its own profile
(PROFILE_DIR) so that runs in parallel do not share one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue


def _prop(name: str, value) -> PropertyValue:
    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def _connect(pipe: str):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(300):
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:  # noqa: BLE001 - NoConnectException until soffice listens
            time.sleep(0.1)
    raise SystemExit("libreoffice_edit: LibreOffice did not start")


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
    found = doc.findFirst(search)
    if found is None:
        raise SystemExit(f"libreoffice_edit: {text!r} is not in the document")
    return found


def main(source: str, target: str, profile: str, action: str, *texts: str) -> None:
    pipe = f"qibrief-lo-{os.getpid()}"
    office = subprocess.Popen(
        ["soffice", "--headless", "--invisible", "--norestore", "--nologo",
         f"-env:UserInstallation={uno.systemPathToFileUrl(profile)}", f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ctx = _connect(pipe)
        _set_author(ctx, "Editor")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(source)), "_blank", 0,
                                           (_prop("Hidden", True),))
        doc.RecordChanges = action in ("delete", "insert-note")
        action = action.removesuffix("-untracked")
        if action == "delete":
            found = _find(doc, texts[0])
            found.goRight(1, True)  # the note's anchor, right after the sentence
            found.setString("")
        elif action == "insert-note":
            found = _find(doc, texts[0])
            cursor = found.getText().createTextCursorByRange(found.getEnd())
            note = doc.createInstance("com.sun.star.text.Endnote")
            found.getText().insertTextContent(cursor, note, False)
            note.setString(texts[1])
        elif action != "resave":
            raise SystemExit(f"libreoffice_edit: unknown action {action!r}")
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
