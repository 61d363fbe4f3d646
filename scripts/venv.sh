#!/usr/bin/env bash
# Create .venv if missing and install mailsec into it (editable), with the given extras.
# Usage: scripts/venv.sh [extras]     e.g. scripts/venv.sh test
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "mailsec needs Python 3.11 or newer; '$PYTHON' is $("$PYTHON" --version 2>&1 || echo missing)." >&2
    echo "Set PYTHON=/path/to/python3.11 or install a newer python3." >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -m venv .venv; then
        rm -rf .venv
        echo "Could not create .venv. On Debian/Ubuntu: apt-get install python3-venv" >&2
        exit 1
    fi
fi
spec="."
if [ -n "${1:-}" ]; then
    spec=".[$1]"
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e "$spec"
