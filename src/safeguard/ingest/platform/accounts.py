"""``accounts.csv`` -> ``account`` rows and the identifiers each account declares."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import text

from safeguard.ingest.batch import BatchCheck
from safeguard.ingest.checks import Issue, Mask, check_text, check_timestamp, mask
from safeguard.ingest.context import IngestContext
from safeguard.ingest.normalise import (
    UK_REGIONS,
    normalise_email,
    normalise_name,
    normalise_phone,
    normalise_postcode,
    normalise_username,
)
from safeguard.ingest.reasons import Reason
from safeguard.ingest.tables import TableBatch
from safeguard.store.bulk import bulk_insert, json_text

__all__ = ["KNOWN_COLUMNS", "load_accounts"]

KNOWN_COLUMNS = (
    "account_id", "username", "display_name", "email", "phone", "created_at", "date_of_birth",
    "declared_country", "declared_city", "declared_postcode", "bio",
)  # fmt: skip
_ACCOUNT_COLUMNS = (
    "operation_id", "delivery_id", "platform", "platform_account_id", "username",
    "username_norm", "display_name", "email", "phone", "created_at", "date_of_birth",
    "declared_country", "declared_city", "declared_postcode", "declared_district", "bio",
    "attributes",
)  # fmt: skip
IDENTIFIER_COLUMNS = ("account_id", "delivery_id", "kind", "value", "norm", "alt_norm")
_DATE = r"^\s*\d{4}-\d{2}-\d{2}\s*$"


def _per_value(
    values: pa.Array, func: Callable[[Any], Any], reason: Reason
) -> tuple[list[Any], list[Issue]]:
    """Apply ``func`` to each value; a present value it maps to ``None`` is an issue."""
    raw = values.to_pylist()
    out = [None if v is None else func(v) for v in raw]
    bad: Mask = np.array([v is not None and o is None for v, o in zip(raw, out, strict=True)])
    return out, [(bad.astype(np.bool_), reason)] if bad.any() else []


def _check_date(values: pa.Array) -> tuple[pa.Array, list[Issue]]:
    shaped = pa.array(mask(pc.match_substring_regex(values, _DATE)))
    candidates = pc.if_else(shaped, pc.utf8_trim_whitespace(values), None)
    dates, _ = _per_value(candidates, _iso_date, Reason.BAD_DATE)
    out = pa.array(dates, pa.string())
    bad = mask(pc.is_valid(values)) & ~mask(pc.is_valid(out))
    return out, [(bad, Reason.BAD_DATE)] if bad.any() else []


def _iso_date(raw: str) -> str | None:
    from datetime import date

    try:
        value = date.fromisoformat(raw)
    except ValueError:
        return None
    return raw if 1900 <= value.year < 2100 else None


def _country(values: pa.Array) -> tuple[pa.Array, list[Issue]]:
    norm = pc.utf8_upper(pc.utf8_trim_whitespace(values))
    ok = mask(pc.match_substring_regex(norm, r"^[A-Z]{2}$"))
    bad = mask(pc.is_valid(values)) & ~ok
    out = pc.if_else(pa.array(ok), norm, pa.scalar(None, pa.string()))
    return out, [(bad, Reason.BAD_COUNTRY)] if bad.any() else []


def _postcode(raw: str, country: str | None) -> tuple[str, str | None] | None:
    if country is None or country in UK_REGIONS:
        return normalise_postcode(raw)
    foreign = " ".join(raw.upper().split())
    return (foreign, None) if 0 < len(foreign) <= 12 else None


def _unique_ids(chk: BatchCheck, seen: set[str]) -> pa.Array:
    ids, issues = check_text(chk.column("account_id"), 200)
    dup: list[bool] = []
    for value in ids.to_pylist():
        dup.append(value is not None and value in seen)
        if value is not None:
            seen.add(value)
    issues.append((np.array(dup, dtype=np.bool_), Reason.DUPLICATE_KEY))
    return chk.required("account_id", ids, issues)


def _attributes(batch: pa.RecordBatch) -> list[str]:
    extra = [n for n in batch.schema.names if n not in KNOWN_COLUMNS]
    if not extra:
        return ["{}"] * batch.num_rows
    rows = batch.select(extra).to_pylist()
    return [json_text({k: v for k, v in row.items() if v is not None}) for row in rows]


def _strings(values: list[Any]) -> pa.Array:
    return pa.array(values, pa.string())


def _emails(chk: BatchCheck) -> list[pa.Array]:
    """[value, norm, alt_norm] of the email column (bad emails dropped)."""
    norms, issues = _per_value(chk.column("email"), normalise_email, Reason.BAD_EMAIL)
    raw = chk.optional("email", pc.utf8_trim_whitespace(chk.column("email")), issues)
    return [
        raw,
        _strings([n[0] if n else None for n in norms]),
        _strings([n[1] if n else None for n in norms]),
    ]


def _phones(chk: BatchCheck, regions: list[str | None]) -> list[pa.Array]:
    """[value, E.164] of the phone column (region hint from the declared country)."""
    raw = chk.column("phone")
    e164 = [
        None if p is None else normalise_phone(p, r)
        for p, r in zip(raw.to_pylist(), regions, strict=True)
    ]
    bad: Mask = mask(pc.is_valid(raw)) & np.array([e is None for e in e164], dtype=np.bool_)
    norm = chk.optional("phone", _strings(e164), [(bad, Reason.BAD_PHONE)])
    return [pc.if_else(pc.is_valid(norm), raw, None), norm]


def _postcodes(chk: BatchCheck, regions: list[str | None]) -> list[pa.Array]:
    """[value, postcode, district] of the declared postcode (UK format checked for UK/unknown)."""
    raw = chk.column("declared_postcode")
    pcs = [
        None if p is None else _postcode(p, r)
        for p, r in zip(raw.to_pylist(), regions, strict=True)
    ]
    bad: Mask = mask(pc.is_valid(raw)) & np.array([p is None for p in pcs], dtype=np.bool_)
    norm = chk.optional(
        "declared_postcode",
        _strings([p[0] if p else None for p in pcs]),
        [(bad, Reason.BAD_POSTCODE)],
    )
    district = _strings([p[1] if p else None for p in pcs])
    return [pc.if_else(pc.is_valid(norm), raw, None), norm, district]


def _checked(chk: BatchCheck, seen: set[str]) -> dict[str, pa.Array]:
    """Every column of the batch, checked; per-row Python only for email, phone and postcode."""
    out: dict[str, pa.Array] = {"account_id": _unique_ids(chk, seen)}
    for name in ("username", "display_name", "declared_city", "bio"):
        out[name] = chk.optional(name, *check_text(chk.column(name)))
    out["username_norm"] = _strings([normalise_username(v) for v in out["username"].to_pylist()])
    out["name_norm"] = _strings([normalise_name(v) for v in out["display_name"].to_pylist()])
    out["created_at"] = chk.optional("created_at", *check_timestamp(chk.column("created_at")))
    out["date_of_birth"] = chk.optional("date_of_birth", *_check_date(chk.column("date_of_birth")))
    country = chk.optional("declared_country", *_country(chk.column("declared_country")))
    out["declared_country"] = country
    regions = country.to_pylist()
    out.update(zip(("email", "email_norm", "email_alt"), _emails(chk), strict=True))
    out.update(zip(("phone_raw", "phone"), _phones(chk, regions), strict=True))
    names = ("postcode_raw", "declared_postcode", "declared_district")
    out.update(zip(names, _postcodes(chk, regions), strict=True))
    return out


def _identifiers(
    row: tuple[Any, ...], account_id: int, delivery_id: int
) -> Iterator[tuple[Any, ...]]:
    """The identifiers an accepted account row declares (see ``_row_columns`` for positions)."""
    base = (account_id, delivery_id)
    if row[17] is not None:
        yield (*base, "email", row[7], row[17], row[18])
    if row[8] is not None:
        yield (*base, "phone", row[19], row[8], None)
    if row[13] is not None:
        yield (*base, "postcode", row[20], row[13], row[14])
    if row[5] is not None:
        yield (*base, "username", row[4], row[5], None)
    if row[21] is not None:
        yield (*base, "name", row[6], row[21], None)


def _row_columns(ctx: IngestContext, chk: BatchCheck, out: dict[str, pa.Array]) -> list[Any]:
    """The 17 ``account`` columns in order, then the identifier sources."""
    return [
        ctx.operation_id, ctx.delivery_id, ctx.platform, out["account_id"], out["username"],
        out["username_norm"], out["display_name"], out["email"], out["phone"],
        out["created_at"], out["date_of_birth"], out["declared_country"],
        out["declared_city"], out["declared_postcode"], out["declared_district"], out["bio"],
        pa.array(_attributes(chk.batch), pa.string()),
        out["email_norm"], out["email_alt"], out["phone_raw"], out["postcode_raw"],
        out["name_norm"],
    ]  # fmt: skip


class _AccountLoader:
    def __init__(self, ctx: IngestContext) -> None:
        self.ctx = ctx
        self.seen: set[str] = set()
        self.mapping = _existing(ctx)
        self.known = set(self.mapping)
        self.last_id = 0

    def batch(self, file: str, tb: TableBatch) -> None:
        chk = BatchCheck(self.ctx, file, tb)
        out = _checked(chk, self.seen)
        rows = [r for r in chk.rows(_row_columns(self.ctx, chk, out)) if r[3] not in self.known]
        self.ctx.records["accounts_already_known"] += chk.accepted().sum() - len(rows)
        bulk_insert(self.ctx.conn, "account", _ACCOUNT_COLUMNS, (r[:17] for r in rows))
        new = self.ctx.conn.execute(
            text("SELECT platform_account_id, id FROM account WHERE delivery_id = :d AND id > :i"),
            {"d": self.ctx.delivery_id, "i": self.last_id},
        ).all()
        ids = {pid: aid for pid, aid in new}
        self.mapping.update(ids)
        self.last_id = max(ids.values(), default=self.last_id)
        idents = (i for r in rows for i in _identifiers(r, ids[r[3]], self.ctx.delivery_id))
        self.ctx.records["identifiers"] += bulk_insert(
            self.ctx.conn, "identifier", IDENTIFIER_COLUMNS, idents
        )
        keep = pa.array(chk.accepted())
        pids = out["account_id"].filter(keep).to_pylist()
        regions = dict(zip(pids, out["declared_country"].filter(keep).to_pylist(), strict=True))
        self.ctx.account_regions.update({k: v for k, v in regions.items() if k and v})


def _existing(ctx: IngestContext) -> dict[str, int]:
    """Accounts of the same platform already in the operation (from earlier deliveries)."""
    rows = ctx.conn.execute(
        text(
            "SELECT platform_account_id, id FROM account WHERE operation_id = :o AND platform = :p"
        ),
        {"o": ctx.operation_id, "p": ctx.platform},
    ).all()
    return {pid: aid for pid, aid in rows}


def load_accounts(ctx: IngestContext, file: str, batches: Iterator[TableBatch]) -> None:
    """Store the accounts of ``batches`` and make them resolvable through ``ctx``."""
    loader = _AccountLoader(ctx)
    for tb in batches:
        loader.batch(file, tb)
    ctx.set_accounts(loader.mapping)
