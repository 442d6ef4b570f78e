#!/usr/bin/env bash
# `flask --app wsgi ...` from the virtual environment, after making sure it is set up and
# that the instance folder (home of the default SQLite database) exists.
#
# Usage: scripts/flask.sh db upgrade | demo load | mail work | ...
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/venv.sh
mkdir -p instance
exec .venv/bin/flask --app wsgi "$@"
