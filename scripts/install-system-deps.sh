#!/usr/bin/env bash
# Install the Debian/Ubuntu packages the test suite needs (the lab's DNS, TLS and ACME
# daemons, chromium for the browser tests, and postfix for its posttls-finger DANE client).
# Installs only what is missing, and only as root.
set -euo pipefail

PACKAGES=(knot knot-dnsutils unbound ldnsutils dnsutils caddy pebble chromium curl util-linux python3-venv
          postfix)

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
if [[ " ${missing[*]} " == *" postfix "* ]]; then
    # Only posttls-finger is used (tests/test_dane_oracle.py), never the mail system: "No
    # configuration" writes no /etc/postfix/main.cf, and without it neither postfix.service
    # (ConditionPathExists) nor the init script starts a daemon that would take port 25, which
    # the lab's MX listeners bind on 127.x addresses.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
fi
apt-get update -q
apt-get install -y -q "${missing[@]}"

if [[ " ${missing[*]} " == *" postfix "* ]] && command -v ss >/dev/null \
    && ss -ltnpH 'sport = :25' | grep -q '"master"'; then
    # Not expected (see above), but a Postfix we just installed must not hold port 25 for the
    # lab: stop it and keep it from starting at boot. A Postfix that was here before is the
    # machine owner's and is left alone.
    echo "system packages: stopping the Postfix daemon the package started" >&2
    postfix stop || true
    if command -v systemctl >/dev/null; then
        systemctl disable --now postfix.service || true
    fi
fi
