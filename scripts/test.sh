#!/usr/bin/env bash
# `make test`: the whole suite on SQLite, then on PostgreSQL.
#
# PostgreSQL: $GMIS_TEST_DATABASE_URL if set, otherwise the database "test" on
# 127.0.0.1:5432 (user postgres) when a server answers there; skipped, and said so, when
# none does. Redis for the rate-limit tests: $GMIS_TEST_REDIS_URL, default
# redis://127.0.0.1:6379/0 ("none": the in-process store instead). Extra pytest arguments
# come from $PYTEST_ARGS. Exits non-zero if a run failed or collected no tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DEFAULT_POSTGRESQL_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test
# The rate limits are tested against Redis, as production runs them.
export GMIS_TEST_REDIS_URL=${GMIS_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}

scripts/system-packages.sh test
scripts/venv.sh

eval "extra_args=(${PYTEST_ARGS:-})"
summary=()
failed=0

mkdir -p test-artifacts
rm -f test-artifacts/junit-*.xml

run_suite() {
    local label=$1
    shift
    echo
    echo "== Test suite on $label =="
    local status=0
    local report="test-artifacts/junit-${label%% *}.xml"
    "$@" .venv/bin/pytest --junitxml="$report" "${extra_args[@]}" || status=$?
    case $status in
        0) summary+=("$label: passed") ;;
        5) summary+=("$label: FAILED (pytest collected no tests)"); failed=1 ;;
        *) summary+=("$label: FAILED (pytest exit status $status)"); failed=1 ;;
    esac
}

# Prints host:port/database of a PostgreSQL URL, or fails with the reason it cannot connect.
postgresql_check() {
    .venv/bin/python - "$1" <<'PY'
import sys

import psycopg
from sqlalchemy.engine import make_url

url = make_url(sys.argv[1])
try:
    psycopg.connect(
        host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username,
        password=url.password, dbname=url.database, connect_timeout=3,
    ).close()
except psycopg.Error as error:
    print(str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)
    sys.exit(1)
print(f"{url.host or '127.0.0.1'}:{url.port or 5432}/{url.database}")
PY
}

echo "Rate limits tested against Redis at GMIS_TEST_REDIS_URL=$GMIS_TEST_REDIS_URL"
run_suite "SQLite" env -u GMIS_TEST_DATABASE_URL

postgresql_url=${GMIS_TEST_DATABASE_URL:-$DEFAULT_POSTGRESQL_URL}
if where=$(postgresql_check "$postgresql_url"); then
    run_suite "PostgreSQL ($where)" env GMIS_TEST_DATABASE_URL="$postgresql_url"
elif [[ -n ${GMIS_TEST_DATABASE_URL:-} ]]; then
    echo
    echo "== PostgreSQL at GMIS_TEST_DATABASE_URL did not answer: $where =="
    summary+=("PostgreSQL: FAILED (GMIS_TEST_DATABASE_URL set, but no connection: $where)")
    failed=1
else
    echo
    echo "== PostgreSQL skipped: no server answered at 127.0.0.1:5432 ($where) =="
    summary+=("PostgreSQL: skipped (no server answered at 127.0.0.1:5432; set GMIS_TEST_DATABASE_URL to use one)")
fi

echo
echo "== Summary =="
printf '  %s\n' "${summary[@]}"
# One closing line over every database that ran, from pytest's own reports.
.venv/bin/python - test-artifacts/junit-*.xml <<'PY'
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for path in sys.argv[1:]:
    for suite in ET.parse(path).getroot().iter("testsuite"):
        tests, skips = int(suite.get("tests")), int(suite.get("skipped"))
        failures = int(suite.get("failures")) + int(suite.get("errors"))
        passed += tests - skips - failures
        failed += failures
        skipped += skips
print(f"Total: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit "$failed"
