"""A small world for web tests: one operation, two subjects with a package each for two
different forces, one user per role (the force officer bound to the first force), and
logged-in TestClients."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyotp
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from safeguard.access import add_user
from safeguard.access.users import NewUser
from safeguard.assess.queue import copy_attribution
from safeguard.authz import Role
from safeguard.config import Settings
from safeguard.store.db import Store
from safeguard.store.models import (
    Account,
    Assessment,
    Attribution,
    Delivery,
    IntelPackage,
    Operation,
    Subject,
    SubjectAccount,
    User,
    WebJob,
)
from safeguard.web import create_app

__all__ = [
    "DRAFTER",
    "OTHER_FORCE",
    "OWN_FORCE",
    "WebWorld",
    "build_world",
    "csrf_of",
    "fresh_code",
    "log_in",
]

OWN_FORCE = "thames-valley"
OTHER_FORCE = "kent"
OPERATION = "webop"
#: Seconds a code handed to a test login stays acceptable at least.
CODE_MARGIN = 12
#: Who drafted the world's packages: the supervisor, so their approval is refused (a second
#: person must approve) and the authorisation matrix leaves the packages as drafts.
DRAFTER = "supervisor-user"


@dataclass
class WebWorld:
    app: FastAPI
    store: Store
    users: dict[Role, NewUser]
    packages: dict[str, str]  # force id -> package reference
    subjects: dict[str, str]  # force id -> subject label
    job_id: int
    delivery_id: int
    clients: dict[Role, TestClient] = field(default_factory=dict)

    def client(self, role: Role) -> TestClient:
        if role not in self.clients:
            self.clients[role] = log_in(self.app, self.users[role])
        return self.clients[role]


def _subject(s: object, op: Operation, delivery: Delivery, n: int, force: str) -> Subject:
    from sqlalchemy.orm import Session

    assert isinstance(s, Session)
    account = Account(
        operation_id=op.id, delivery_id=delivery.id, platform="p", platform_account_id=f"u{n}"
    )
    subject = Subject(operation_id=op.id, label=f"S-00000{n}")
    s.add_all([account, subject])
    s.flush()
    s.add(SubjectAccount(subject_id=subject.id, account_id=account.id))
    s.add(
        Assessment(
            operation_id=op.id,
            subject_id=subject.id,
            tier=str(n),
            score=50.0 - n,
            reasons=[{"code": "category-a", "text": f"reason {n}", "points": 10}],
            ruleset_version="test/1",
            subject_label=subject.label,
            accounts=1,
            top_reasons=[f"reason {n}"],
        )
    )
    s.add(
        Attribution(
            operation_id=op.id,
            subject_id=subject.id,
            country="GB",
            force_id=force,
            confidence="high",
        )
    )
    return subject


def _populate(store: Store, files: Path) -> tuple[dict[str, str], dict[str, str]]:
    packages, subjects = {}, {}
    with store.session() as s:
        op = Operation(name=OPERATION)
        s.add(op)
        s.flush()
        delivery = Delivery(operation_id=op.id, format="test", checksum="0" * 64)
        s.add(delivery)
        s.flush()
        for n, force in enumerate((OWN_FORCE, OTHER_FORCE), start=1):
            subject = _subject(s, op, delivery, n, force)
            path = files / f"PKG-{n}.json"
            path.write_text(f'{{"package": {n}}}', encoding="utf-8")
            ref = f"WEBOP-{force.upper()}-{n:06d}"
            s.add(
                IntelPackage(
                    operation_id=op.id,
                    subject_id=subject.id,
                    force_id=force,
                    reference=ref,
                    grading="1/A/P",
                    tier=str(n),
                    path=str(path),
                    drafted_by=DRAFTER,
                )
            )
            packages[force], subjects[force] = ref, subject.label
        s.flush()
        copy_attribution(s, op.id)  # as the attribute and assess stages do
    return packages, subjects


def build_world(store: Store, tmp: Path, *, tls: bool = False) -> WebWorld:
    files = tmp / "packages"
    files.mkdir(parents=True, exist_ok=True)
    packages, subjects = _populate(store, files)
    users = {}
    with store.session() as s:
        for role in Role:
            force = OWN_FORCE if role is Role.FORCE_OFFICER else None
            users[role] = add_user(s, f"{role.value}-user", role.value, force_id=force, by="test")
        add_user(s, "spare-user", "analyst", by="test")  # for tests that reset or disable
    settings = Settings(data_dir=tmp / "data", database_url=str(store.engine.url))
    app = create_app(settings, store, tls=tls)
    app.state.web.login_per_minute = 1000  # tests log in many times from one address
    report = {"html": f"{OPERATION}-report.html", "pdf": f"{OPERATION}-report.pdf"}
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    for name in report.values():  # stand-ins: the world's job wrote the operation report
        (settings.reports_dir / name).write_bytes(b"report of " + OPERATION.encode())
    with store.session() as s:
        job = WebJob(
            kind="report", operation=OPERATION, args={}, started_by="t", status="done",
            result={"files": report},
        )  # fmt: skip
        s.add(job)
        s.flush()
        job_id = job.id
    with store.session() as s:
        delivery_id = s.scalars(select(Delivery.id)).one()
    return WebWorld(app, store, users, packages, subjects, job_id, delivery_id)


def _login_fields(client: TestClient) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    m = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert m, "login form has no CSRF field"
    return m.group(1)


def fresh_code(app: FastAPI, user: NewUser) -> str:
    """A TOTP code the user has not used yet (codes are refused when replayed): the
    earliest acceptable step after the last one used (at most 3 logins a 30 s window) that
    stays acceptable for at least :data:`CODE_MARGIN` seconds (a loaded machine can take
    seconds to answer a login; a code for the previous step expires with this window)."""
    if not user.totp_secret:
        return ""
    store: Store = app.state.web.store
    with store.session() as s:
        last = s.scalar(select(User.totp_last_step).where(User.username == user.username)) or 0
    totp = pyotp.TOTP(user.totp_secret)
    at = datetime.now(UTC)
    now = totp.timecode(at)
    left = totp.interval - at.timestamp() % totp.interval  # of the current window
    earliest = now - 1 if left >= CODE_MARGIN else now
    step = max(earliest, last + 1)
    assert step <= now + 1, f"{user.username} logged in more than 3 times in one TOTP window"
    return totp.generate_otp(step)


def log_in(app: FastAPI, user: NewUser, *, code: str | None = None) -> TestClient:
    """A TestClient logged in as ``user`` (password and a fresh TOTP code)."""
    client = TestClient(app, base_url="https://testserver")
    csrf = _login_fields(client)
    totp = code if code is not None else fresh_code(app, user)
    r = client.post(
        "/login",
        data={"username": user.username, "password": user.password, "code": totp, "csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303, (r.status_code, r.text[:300])
    return client


def csrf_of(client: TestClient) -> str:
    """The session's CSRF token, as the pages put it in their forms."""
    page = client.get("/account")
    m = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert m, "page has no CSRF field"
    return m.group(1)
