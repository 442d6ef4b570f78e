#!/usr/bin/env bash
# Debian packages G-MIS needs outside Python: Japanese fonts and WeasyPrint's libraries for
# PDFs, python3-venv, and (for the test suite) Chromium. Installed when missing if we are
# root; otherwise listed, and the caller carries on.
#
# Usage: scripts/system-packages.sh run|test
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=${1:-run}
packages=(fonts-ipaexfont-gothic libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1)
if [[ $mode == test ]]; then
    packages+=(chromium)
fi

missing=()
if ! command -v python3 >/dev/null; then
    missing+=(python3 python3-venv)
elif [[ ! -x .venv/bin/python ]] && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    # Debian ships `venv` without ensurepip; `python3 -m venv` fails until python3-venv is in.
    missing+=(python3-venv)
fi

if ! command -v dpkg-query >/dev/null; then
    echo "Not a Debian system: make sure these (or your system's equivalents) are installed:"
    echo "  ${missing[*]} ${packages[*]}"
    exit 0
fi

for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed'; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

# On a fresh machine another package manager (unattended-upgrades, cloud-init) often holds
# the dpkg lock for a few minutes; wait for it instead of failing at once.
lock_timeout=600

apt_get() {
    if command -v pgrep >/dev/null && pgrep -x 'apt|apt-get|dpkg|unattended-upgr' >/dev/null; then
        echo "Another package manager is running; waiting for it to finish" \
             "(up to $((lock_timeout / 60)) minutes)..."
    fi
    apt-get -o DPkg::Lock::Timeout="$lock_timeout" "$@"
}

if [[ $(id -u) -eq 0 ]]; then
    echo "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt_get update
    apt_get install -y --no-install-recommends "${missing[@]}"
else
    echo "Missing system packages (not installed: this needs root):" >&2
    echo "  sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    echo "Carrying on without them." >&2
fi
