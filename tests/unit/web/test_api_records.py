"""The API's records carry exactly the fields of the records the queries give: a field added
to one side only would be dropped from the API without a word (pydantic ignores extras) or
fail at run time (a required field missing)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

from safeguard.web.queries import PackageItem, QueueItem
from safeguard.web.schemas import PackageOut, QueueItemOut


def test_a_queue_item_and_its_api_record_have_the_same_fields() -> None:
    assert [f.name for f in fields(QueueItem)] == list(QueueItemOut.model_fields)


def test_a_package_item_as_json_is_its_api_record() -> None:
    item = PackageItem(
        reference="OP-KENT-000001", operation="op", subject="S-000001", force_id="kent",
        force_name="Kent Police", recipient="kent", tier="1", status="draft",
        grading="1/A/P", classification="OFFICIAL-SENSITIVE",
        created_at=datetime(2026, 1, 2, tzinfo=UTC).isoformat(), sha256="0" * 64,
        path="/outbox/x",
    )  # fmt: skip
    assert set(item.to_json()) == set(PackageOut.model_fields)
    assert PackageOut(**item.to_json()).model_dump() == item.to_json()
