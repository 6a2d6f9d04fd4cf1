#!/usr/bin/env bash
# schemathesis (PyPI) in a venv of its own under .tools/, for the contract test; idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.32.5
VENV=.tools/schemathesis
if [ -x "$VENV/bin/schemathesis" ] && "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$VERSION"; then exit 0; fi
python3 -c 'import venv, ensurepip' 2>/dev/null || { apt-get install -y python3-venv || { apt-get update && apt-get install -y python3-venv; }; }
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
"$VENV/bin/schemathesis" --version
