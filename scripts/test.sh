#!/usr/bin/env bash
# Set up (if needed) and run the test suite. Arguments go to pytest, e.g.
#   bash scripts/test.sh -m "not slow"
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh

export AIRFLOW__CORE__LOAD_EXAMPLES=False
export DO_NOT_TRACK=1
export SCARF_NO_ANALYTICS=1
export AIRFLOW__DAG_FACTORY__ENABLE_TELEMETRY=False

rc=0
.venv/bin/python -m pytest -q "$@" || rc=$?

if [ "$rc" -eq 5 ]; then
    echo "test: FAILED: pytest collected no tests (exit 5); a run that tests nothing does not pass." >&2
    exit 1
fi
exit "$rc"
