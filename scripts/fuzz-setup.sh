#!/usr/bin/env bash
# Installs schemathesis (PyPI, pinned) into .venv-fuzz for test/fuzz.test.ts. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.32.5
if [ -x .venv-fuzz/bin/st ] && .venv-fuzz/bin/st --version | grep -q "$VERSION"; then exit 0; fi
python3 -m venv .venv-fuzz
.venv-fuzz/bin/pip install --quiet --disable-pip-version-check "schemathesis==$VERSION"
.venv-fuzz/bin/st --version
