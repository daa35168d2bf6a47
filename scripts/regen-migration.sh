#!/usr/bin/env bash
# Regenerates migration 0001 from the models. Only valid before the first release: once a
# store exists in the field, model changes get a new migration instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
versions=src/safeguard/store/migrations/versions
rm -f "$versions/0001_core_records.py"
# Later hand-written migrations (e.g. 0002, indexes autogenerate cannot express) wait aside
# while 0001 is regenerated from the models, then come back on top of it.
mkdir -p "$tmp/later"
find "$versions" -maxdepth 1 -name '0[0-9][0-9][0-9]_*.py' ! -name '0001_*' -exec mv {} "$tmp/later/" \;
restore() { mv "$tmp"/later/*.py "$versions/" 2>/dev/null || true; rm -rf "$tmp"; }
trap restore EXIT
.venv/bin/python - "$tmp/empty.db" <<'PY'
import sys
from alembic import command
from safeguard.store.db import alembic_config
command.revision(alembic_config(f"sqlite:///{sys.argv[1]}"), message="core records",
                 autogenerate=True, rev_id="0001")
PY
.venv/bin/ruff format -q src/safeguard/store/migrations/versions/
.venv/bin/ruff check -q --fix --select I src/safeguard/store/migrations/versions/
