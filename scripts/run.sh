#!/usr/bin/env bash
# `make run`: everything a fresh machine needs, then the development server with demo data.
#
# System packages and the virtual environment when missing, database migrations, the
# built-in survey definitions of gmis/survey_defs/ (a changed file becomes a new version,
# published from today), the demo data set (once), in the background the e-mail outbox
# worker (mail goes to the log unless GMIS_MAIL_BACKEND=smtp) and the deadline reminders,
# and the server on http://$SERVE_HOST:$SERVE_PORT (by default 127.0.0.1:5000). Stopping the
# server (Ctrl-C) stops the background jobs too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

host=${SERVE_HOST:-127.0.0.1}
port=${SERVE_PORT:-5000}

scripts/system-packages.sh run
scripts/flask.sh db upgrade
scripts/flask.sh surveys import gmis/survey_defs --publish
scripts/flask.sh demo load

scripts/flask.sh mail work &
worker=$!
scripts/flask.sh surveys remind --every 300 > /dev/null &
reminder=$!

stop_worker() {
    for pid in "$worker" "$reminder"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
}
trap stop_worker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo
echo "G-MIS: http://$host:$port/  (demo users demo-hospital, demo-pref, demo-national, ...;"
echo "       password GmisDemo2026). Stop with Ctrl-C."
echo
scripts/flask.sh run --host "$host" --port "$port"
