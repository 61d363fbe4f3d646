#!/usr/bin/env bash
# Install the Debian/Ubuntu packages the test suite needs (the lab's DNS, TLS and ACME
# daemons, and chromium for the browser tests). Installs only what is missing, and only as root.
set -euo pipefail

PACKAGES=(knot knot-dnsutils unbound ldnsutils dnsutils caddy pebble chromium curl util-linux python3-venv)

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "system packages: all present (${PACKAGES[*]})"
    exit 0
fi

if ! command -v apt-get >/dev/null; then
    echo "Missing system packages: ${missing[*]}; this script only knows apt-get (Debian/Ubuntu)." >&2
    exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Install them as root, then run make test again:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi

echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q "${missing[@]}"
