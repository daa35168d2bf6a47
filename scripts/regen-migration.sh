#!/usr/bin/env bash
# Regenerates migration 0001 from the models. Only valid before the first release: once a
# store exists in the field, model changes get a new migration instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f src/safeguard/store/migrations/versions/0001_core_records.py
.venv/bin/python - "$tmp/empty.db" <<'PY'
import sys
from alembic import command
from safeguard.store.db import alembic_config
command.revision(alembic_config(f"sqlite:///{sys.argv[1]}"), message="core records",
                 autogenerate=True, rev_id="0001")
PY
.venv/bin/ruff format -q src/safeguard/store/migrations/versions/
.venv/bin/ruff check -q --fix --select I src/safeguard/store/migrations/versions/
