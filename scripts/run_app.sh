#!/usr/bin/env bash
# Set up (if needed) and start DAG Designer on port ${PORT:-8501}.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh

[ -f streamlit_app.py ] || { echo "run_app: streamlit_app.py not found in $ROOT" >&2; exit 1; }

exec .venv/bin/streamlit run streamlit_app.py --server.port "${PORT:-8501}" --server.headless true
