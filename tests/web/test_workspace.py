"""The analyst's workspace: the queue filters and pages in SQL, the subject page explains,
and split/merge from the web are justified and audited."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from safeguard.authz import Role
from safeguard.store.db import Store
from safeguard.store.models import Account, AuditEvent, Subject, SubjectAccount
from tests.support.web import OTHER_FORCE, OWN_FORCE, WebWorld, build_world, csrf_of


@pytest.fixture
def world(store: Store, tmp_path: Path) -> WebWorld:
    return build_world(store, tmp_path)


def _labels(html: str) -> list[str]:
    return re.findall(r'<tr class="tier-\d" data-label="([^"]+)"', html)


def test_queue_filters_and_pages(world: WebWorld) -> None:
    c = world.client(Role.ANALYST)
    own, other = world.subjects[OWN_FORCE], world.subjects[OTHER_FORCE]
    assert _labels(c.get("/operations/webop/queue").text) == [own, other]  # tier 1, then 2
    assert _labels(c.get("/operations/webop/queue?tier=2").text) == [other]
    assert _labels(c.get(f"/operations/webop/queue?force={OWN_FORCE}").text) == [own]
    assert _labels(c.get("/operations/webop/queue?confidence=low").text) == []
    assert _labels(c.get("/operations/webop/queue?flag=no-such-flag").text) == []
    assert _labels(c.get("/operations/webop/queue?offset=1").text) == [other]
    api = c.get("/api/v1/operations/webop/queue?limit=1&offset=1").json()
    assert [q["label"] for q in api] == [other]
    assert c.get("/api/v1/operations/webop/queue?limit=-1").status_code == 422
    assert c.get("/api/v1/operations/webop/queue?limit=501").status_code == 422


def test_subject_page_explains_and_officer_sees_only_own(world: WebWorld) -> None:
    page = world.client(Role.ANALYST).get(f"/operations/webop/subjects/{world.subjects[OWN_FORCE]}")
    assert page.status_code == 200
    assert "reason 1" in page.text and "Thames Valley" in page.text
    assert world.packages[OWN_FORCE] in page.text
    officer = world.client(Role.FORCE_OFFICER)
    doc = officer.get(f"/api/v1/operations/webop/subjects/{world.subjects[OWN_FORCE]}").json()
    assert doc["packages"] == [world.packages[OWN_FORCE]]
    assert (
        "merge-form"
        not in officer.get(f"/operations/webop/subjects/{world.subjects[OWN_FORCE]}").text
    )
    hidden = officer.get(f"/api/v1/operations/webop/subjects/{world.subjects[OTHER_FORCE]}")
    assert hidden.status_code == 404


def test_merge_from_the_web_is_justified_and_audited(world: WebWorld) -> None:
    c = world.client(Role.SUPERVISOR)
    labels = sorted(world.subjects.values())
    csrf = {"x-csrf-token": csrf_of(c)}
    no_why = c.post(
        "/api/v1/operations/webop/subjects/merge",
        json={"labels": labels, "justification": ""},
        headers=csrf,
    )
    assert no_why.status_code == 422
    r = c.post(
        "/api/v1/operations/webop/subjects/merge",
        json={"labels": labels, "justification": "same phone on both accounts"},
        headers=csrf,
    )
    assert r.status_code == 200
    (merged,) = r.json()["labels"]
    with world.store.session() as s:
        members = s.scalars(
            select(Account.platform_account_id)
            .join(SubjectAccount, SubjectAccount.account_id == Account.id)
            .join(Subject, Subject.id == SubjectAccount.subject_id)
            .where(Subject.label == merged)
        ).all()
        merges = [e for e in s.scalars(select(AuditEvent)) if e.action == "subject.merge"]
    assert sorted(members) == ["u1", "u2"]
    assert merges and merges[-1].actor == world.users[Role.SUPERVISOR].username


def _tier_text(html: str, element_id: str) -> str:
    m = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert m, element_id
    return m.group(1).strip()


def test_override_with_justification_shows_tier_in_force_and_history(world: WebWorld) -> None:
    c = world.client(Role.ANALYST)
    label = world.subjects[OWN_FORCE]  # computed tier 1
    url = f"/operations/webop/subjects/{label}"
    csrf = csrf_of(c)
    blank = c.post(f"{url}/override", data={"csrf": csrf, "tier": "3", "justification": "  "})
    assert blank.status_code == 409 and "justification" in blank.text
    why = "phone seized: the account holder is a different person"
    r = c.post(
        f"{url}/override",
        data={"csrf": csrf, "tier": "3", "justification": why},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = c.get(url).text
    assert (_tier_text(page, "subject-tier"), _tier_text(page, "computed-tier")) == ("3", "1")
    assert "analyst-user" in page and why in page
    with world.store.session() as s:
        events = [(e.actor, e.action) for e in s.scalars(select(AuditEvent))]
    assert ("analyst-user", "assessment.override") in events
    assert ("analyst-user", "web.subjects.change") in events
    done = c.post(
        f"{url}/override/clear",
        data={"csrf": csrf, "justification": "reviewed: computed tier stands"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = c.get(url).text
    assert _tier_text(page, "subject-tier") == "1" and "ended by analyst-user" in page


def test_override_api_mirrors_the_form(world: WebWorld) -> None:
    c = world.client(Role.SUPERVISOR)
    label = world.subjects[OTHER_FORCE]  # computed tier 2
    headers = {"x-csrf-token": csrf_of(c)}
    url = f"/api/v1/operations/webop/subjects/{label}/override"
    r = c.post(url, json={"tier": "1", "justification": "network hub"}, headers=headers)
    assert r.status_code == 200
    assert (r.json()["old_tier"], r.json()["new_tier"], r.json()["computed_tier"]) == (
        "2",
        "1",
        "2",
    )
    bad = c.post(url, json={"tier": "9", "justification": "x"}, headers=headers)
    assert bad.status_code == 409 and "unknown tier" in bad.json()["detail"]
    assert c.post(url, json={"tier": "1", "justification": "x"}).status_code == 403  # no CSRF


def test_the_ruleset_is_read_again_only_when_its_file_changes(tmp_path: Path) -> None:
    import os
    from importlib import resources

    from safeguard.config import Settings
    from safeguard.web.workflow import ruleset_of

    text = resources.files("safeguard.data").joinpath("rulesets", "kirat-lite.yaml").read_text()
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    settings = Settings(data_dir=tmp_path, ruleset=path)
    first = ruleset_of(settings)
    assert ruleset_of(settings) is first
    assert 'version: "3"' in text
    path.write_text(text.replace('version: "3"', 'version: "99"', 1))
    os.utime(path, ns=(1, 10**18))  # a different modification time, whatever the clock
    changed = ruleset_of(settings)
    assert changed is not first and changed.version == "99"
