"""A tiny operation built row by row, for resolve tests (no ingest needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from safeguard.store.db import Store
from safeguard.store.models import Account, Delivery, FileEvent, Identifier, LoginEvent

T0 = datetime(2020, 1, 1, tzinfo=UTC)


class OpBuilder:
    def __init__(self, store: Store, name: str = "op") -> None:
        self.store = store
        self.op_id = store.operation_id(name, create=True)
        with store.session() as s:
            d = Delivery(operation_id=self.op_id, format="test", checksum=name.ljust(64, "0"))
            s.add(d)
            s.flush()
            self.delivery_id = d.id
        self.ids: dict[str, int] = {}
        self._events = 0

    def account(self, pid: str, username: str | None = None, **kw: str) -> int:
        with self.store.session() as s:
            a = Account(
                operation_id=self.op_id,
                delivery_id=self.delivery_id,
                platform="p",
                platform_account_id=pid,
                username=username,
                username_norm=username,
                **kw,
            )
            s.add(a)
            s.flush()
            self.ids[pid] = a.id
            return a.id

    def ident(self, pid: str, kind: str, norm: str, alt: str | None = None) -> None:
        with self.store.session() as s:
            s.add(
                Identifier(
                    account_id=self.ids[pid],
                    delivery_id=self.delivery_id,
                    kind=kind,
                    value=norm,
                    norm=norm,
                    alt_norm=alt,
                )
            )

    def login(self, pid: str, ip: str, day: float = 0.0) -> None:
        with self.store.session() as s:
            s.add(
                LoginEvent(
                    account_id=self.ids[pid],
                    delivery_id=self.delivery_id,
                    ts=T0 + timedelta(days=day),
                    ip=ip,
                )
            )

    def transfer(
        self, pid: str, direction: str, other: str | None, sha256: str, day: float = 0.0
    ) -> None:
        self._events += 1
        with self.store.session() as s:
            s.add(
                FileEvent(
                    account_id=self.ids[pid],
                    delivery_id=self.delivery_id,
                    platform_event_id=f"e{self._events}",
                    ts=T0 + timedelta(days=day),
                    direction=direction,
                    counterpart_account_id=self.ids[other] if other else None,
                    sha256=sha256,
                )
            )
