"""``logins.csv``, ``files.csv``, ``messages.csv`` and ``identifiers.csv``, checked column-wise.

Per-row Python runs only where a library must see each value: IP addresses (once per distinct
address) and identifiers (a small table).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from safeguard.ingest.batch import BatchCheck
from safeguard.ingest.checks import (
    Mask,
    check_enum,
    check_hex,
    check_int,
    check_text,
    check_timestamp,
    lookup,
    map_unique,
    mask,
)
from safeguard.ingest.context import IngestContext
from safeguard.ingest.normalise import normalise_identifier, normalise_ip
from safeguard.ingest.platform.dedupe import KeyTracker
from safeguard.ingest.reasons import Reason
from safeguard.ingest.tables import TableBatch
from safeguard.records import Direction, IdentifierKind, LoginKind, MediaType
from safeguard.store.bulk import bulk_insert

__all__ = ["load_files", "load_identifiers", "load_logins", "load_messages"]

_LOGIN_COLUMNS = (
    "account_id", "delivery_id", "ts", "ip", "kind", "port", "user_agent", "device_id",
)  # fmt: skip
_FILE_COLUMNS = (
    "account_id", "delivery_id", "platform_event_id", "ts", "direction",
    "counterpart_account_id", "counterpart_platform_id", "file_name", "file_size",
    "md5", "sha1", "sha256", "pdq", "pdq_quality", "media_type",
)  # fmt: skip
_MESSAGE_COLUMNS = (
    "delivery_id", "platform_message_id", "ts", "sender_account_id",
    "recipient_platform_ids", "text",
)  # fmt: skip
_IDENTIFIER_COLUMNS = (
    "account_id", "delivery_id", "kind", "value", "norm", "alt_norm", "first_seen", "last_seen",
)  # fmt: skip
_DELIVERED_KINDS = tuple(k.value for k in IdentifierKind if k is not IdentifierKind.USERNAME)
_KIND_REASON = {
    "email": Reason.BAD_EMAIL,
    "phone": Reason.BAD_PHONE,
    "ip": Reason.BAD_IP,
    "postcode": Reason.BAD_POSTCODE,
}
_MAX_ID = 200
_MAX_BIG = 2**62


def _account(chk: BatchCheck, column: str) -> pa.Array:
    raw = chk.column(column)
    ids = lookup(raw, chk.ctx.account_keys, chk.ctx.account_ids)
    unknown = mask(pc.is_valid(raw)) & ~mask(pc.is_valid(ids))
    return chk.required(column, ids, [(unknown, Reason.UNKNOWN_ACCOUNT)])


def _key(chk: BatchCheck, column: str) -> pa.Array:
    return chk.required(column, *check_text(chk.column(column), _MAX_ID))


def _timestamp(chk: BatchCheck, column: str = "timestamp") -> pa.Array:
    return chk.required(column, *check_timestamp(chk.column(column)))


def _device_pairs(accounts: pa.Array, devices: pa.Array, keep: Mask) -> set[tuple[int, str]]:
    table = pa.table({"a": accounts, "d": devices}).filter(pa.array(keep))
    table = table.filter(pc.is_valid(table["d"])).group_by(["a", "d"]).aggregate([])
    return set(zip(table["a"].to_pylist(), table["d"].to_pylist(), strict=True))


def _login_batch(
    chk: BatchCheck, ip_cache: dict[str, str | None], devices: set[tuple[int, str]]
) -> int:
    acct = _account(chk, "account_id")
    ts = _timestamp(chk)
    raw_ip = chk.column("ip")
    ip = map_unique(raw_ip, normalise_ip, ip_cache)
    bad_ip = mask(pc.is_valid(raw_ip)) & ~mask(pc.is_valid(ip))
    ip = chk.required("ip", ip, [(bad_ip, Reason.BAD_IP)])
    kinds = [k.value for k in LoginKind]
    kind = chk.optional("event", *check_enum(chk.column("event"), kinds, LoginKind.LOGIN))
    kind = pc.fill_null(kind, LoginKind.LOGIN.value)
    port = chk.optional("port", *check_int(chk.column("port"), 0, 65535))
    agent = chk.optional("user_agent", *check_text(chk.column("user_agent")))
    device = chk.optional("device_id", *check_text(chk.column("device_id"), 1000))
    devices |= _device_pairs(acct, device, chk.accepted())
    values = [acct, chk.ctx.delivery_id, ts, ip, kind, port, agent, device]
    return chk.store("login_event", _LOGIN_COLUMNS, values)


def load_logins(ctx: IngestContext, file: str, batches: Iterator[TableBatch]) -> None:
    """Login events, and one ``device_id`` identifier per distinct (account, device)."""
    ip_cache: dict[str, str | None] = {}
    devices: set[tuple[int, str]] = set()
    for tb in batches:
        ctx.records["login_events"] += _login_batch(BatchCheck(ctx, file, tb), ip_cache, devices)
    rows = ((a, ctx.delivery_id, "device_id", d, d.strip(), None) for a, d in sorted(devices))
    ctx.records["identifiers"] += bulk_insert(
        ctx.conn, "identifier", _IDENTIFIER_COLUMNS[:6], (r for r in rows if r[4])
    )


def _hashes(chk: BatchCheck) -> list[pa.Array]:
    lengths = {"md5": 32, "sha1": 40, "sha256": 64, "pdq": 64}
    out = [chk.optional(n, *check_hex(chk.column(n), size)) for n, size in lengths.items()]
    present = np.zeros(chk.size, dtype=np.bool_)
    for values in out:
        present |= mask(pc.is_valid(values))
    chk.refuse(~present, "md5", Reason.NO_HASH)
    return out


def _file_batch(chk: BatchCheck, keys: KeyTracker) -> int:
    event_id = _key(chk, "event_id")
    acct = _account(chk, "account_id")
    ts = _timestamp(chk)
    directions = [d.value for d in Direction]
    direction = chk.required("direction", *check_enum(chk.column("direction"), directions))
    other = chk.optional(
        "counterpart_account_id", *check_text(chk.column("counterpart_account_id"), _MAX_ID)
    )
    other_id = lookup(other, chk.ctx.account_keys, chk.ctx.account_ids)
    name = chk.optional("file_name", *check_text(chk.column("file_name")))
    size = chk.optional("file_size", *check_int(chk.column("file_size"), 0, _MAX_BIG))
    md5, sha1, sha256, pdq = _hashes(chk)
    quality = chk.optional("pdq_quality", *check_int(chk.column("pdq_quality"), 0, 100))
    media = chk.optional(
        "media_type", *check_enum(chk.column("media_type"), [m.value for m in MediaType])
    )
    keys.add(*chk.kept(event_id))
    values = [acct, chk.ctx.delivery_id, event_id, ts, direction, other_id, other, name, size,
              md5, sha1, sha256, pdq, quality, media]  # fmt: skip
    return chk.store("file_event", _FILE_COLUMNS, values)


def load_files(ctx: IngestContext, file: str, batches: Iterator[TableBatch]) -> None:
    """File events with their hashes; counterparts resolved when they are in the delivery."""
    keys = KeyTracker("file_event", "platform_event_id", "event_id")
    for tb in batches:
        ctx.records["file_events"] += _file_batch(BatchCheck(ctx, file, tb), keys)
    ctx.records["file_events"] -= keys.finish(ctx, file)


def _message_batch(chk: BatchCheck, keys: KeyTracker) -> int:
    message_id = _key(chk, "message_id")
    ts = _timestamp(chk)
    sender = _account(chk, "sender_account_id")
    recipients = chk.optional(
        "recipient_account_ids", *check_text(chk.column("recipient_account_ids"))
    )
    recipients = pc.fill_null(recipients, "")
    body = chk.optional("text", *check_text(chk.column("text")))
    keys.add(*chk.kept(message_id))
    values = [chk.ctx.delivery_id, message_id, ts, sender, recipients, body]
    return chk.store("message", _MESSAGE_COLUMNS, values)


def load_messages(ctx: IngestContext, file: str, batches: Iterator[TableBatch]) -> None:
    """Messages; the recipients are kept as the delivered space-separated platform ids."""
    keys = KeyTracker("message", "platform_message_id", "message_id")
    for tb in batches:
        ctx.records["messages"] += _message_batch(BatchCheck(ctx, file, tb), keys)
    ctx.records["messages"] -= keys.finish(ctx, file)


def _normalised(chk: BatchCheck, kinds: pa.Array, values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Identifier norms per row (per-row Python: the table is small); bad values refuse the row."""
    regions = chk.ctx.account_regions
    owners = chk.column("account_id").to_pylist()
    norms, alts = [], []
    bad = {reason: np.zeros(chk.size, dtype=np.bool_) for reason in set(_KIND_REASON.values())}
    bad[Reason.BAD_IDENTIFIER] = np.zeros(chk.size, dtype=np.bool_)
    for i, (kind, value) in enumerate(zip(kinds.to_pylist(), values.to_pylist(), strict=True)):
        result = None
        if kind is not None and value is not None:
            result = normalise_identifier(kind, value, regions.get(owners[i] or ""))
            if result is None:
                bad[_KIND_REASON.get(kind, Reason.BAD_IDENTIFIER)][i] = True
        norms.append(result[0] if result else None)
        alts.append(result[1] if result else None)
    for reason, where in bad.items():
        chk.refuse(where, "value", reason)
    return pa.array(norms, pa.string()), pa.array(alts, pa.string())


def _identifier_batch(chk: BatchCheck) -> int:
    acct = _account(chk, "account_id")
    kind = chk.required("kind", *check_enum(chk.column("kind"), _DELIVERED_KINDS))
    value = chk.required("value", *check_text(chk.column("value")))
    norm, alt = _normalised(chk, kind, value)
    first = chk.optional("first_seen", *check_timestamp(chk.column("first_seen")))
    last = chk.optional("last_seen", *check_timestamp(chk.column("last_seen")))
    rows = chk.rows([acct, chk.ctx.delivery_id, kind, value, norm, alt, first, last])
    return bulk_insert(chk.ctx.conn, "identifier", _IDENTIFIER_COLUMNS, rows)


def load_identifiers(ctx: IngestContext, file: str, batches: Iterator[TableBatch]) -> None:
    """Identifiers the partner linked to accounts (emails, phones, devices, payments...)."""
    for tb in batches:
        ctx.records["identifiers"] += _identifier_batch(BatchCheck(ctx, file, tb))
