#!/usr/bin/env bash
# The virtual environment in .venv with G-MIS and its test tools installed (editable).
# pip runs again only when pyproject.toml has changed since the last install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

venv=.venv
stamp=$venv/.pyproject.sha256

if [[ ! -x $venv/bin/python ]]; then
    echo "Creating the virtual environment in $venv"
    python3 -m venv "$venv"
fi

wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [[ ! -f $stamp || $(<"$stamp") != "$wanted" ]]; then
    echo "Installing G-MIS and its dependencies into $venv"
    "$venv/bin/python" -m pip install --disable-pip-version-check -e '.[test]'
    echo "$wanted" >"$stamp"
fi
