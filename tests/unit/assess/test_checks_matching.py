"""Police records name people as police systems do; matching must still find them, and
never attach a finding to someone else silently."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from safeguard.assess.checkmatch import SubjectKeys, match_row
from safeguard.assess.enrichment import normalise_key


def keys_for(*subjects: tuple[int, str, str]) -> SubjectKeys:
    """Subjects as (id, name shown on the platform, date of birth shown)."""
    keys = SubjectKeys()
    for sid, name, dob in subjects:
        keys.add_name(sid, name)
        keys.dobs[sid].add(dob)
        keys.by_dob[dob].add(sid)
    return keys


def row(kind: str, value: str, **attributes: str) -> SimpleNamespace:
    return SimpleNamespace(kind=kind, value=value, norm=normalise_key(kind, value),
                           attributes=attributes)  # fmt: skip


PLATFORM = keys_for((1, "Leonard Calvren", "1980-04-07"), (2, "Sam Dostwick", "1975-11-30"))


@pytest.mark.parametrize(
    "police",
    [
        "Leonard Calvren|1980-04-07",  # the same
        "Len Calvren|1980-04-07",  # nickname
        "Leonard James Calvren|1980-04-07",  # middle name on the police record
        "James Leonard Calvren|1980-04-07",  # known by his middle name
        "Leonard Calvren-Merford|1980-04-07",  # double-barrelled surname
        "Léonard Cälvren|1980-04-07",  # accents
        "Leonard C'alvren|1980-04-07",  # apostrophe
        "Leonard Calvern|1980-04-07",  # one-letter typo
        "Leonard Calvren|1980-07-04",  # day and month swapped
    ],
)
def test_police_name_variants_meet_the_subject(police: str) -> None:
    found = match_row(PLATFORM, row("name_dob", police))
    assert [(m.subject_id, m.status) for m in found] == [(1, "matched")]
    assert "date_of_birth" in found[0].fields and "surname" in found[0].fields


def test_samuel_is_sam_and_the_other_subject_is_left_alone() -> None:
    found = match_row(PLATFORM, row("name_dob", "Samuel Dostwick|1975-11-30"))
    assert [(m.subject_id, m.status) for m in found] == [(2, "matched")]


@pytest.mark.parametrize(
    "police",
    [
        "Leonard Merford|1980-04-07",  # another surname, same date: not him
        "Leonard Calvren|1981-04-07",  # another date of birth
        "Calvren|1980-04-07",  # no forename at all
    ],
)
def test_other_people_are_not_attached(police: str) -> None:
    assert [m for m in match_row(PLATFORM, row("name_dob", police)) if m.status == "matched"] == []


def test_same_surname_and_date_but_another_forename_is_only_possible() -> None:
    found = match_row(PLATFORM, row("name_dob", "Rowan Calvren|1980-04-07"))
    assert [(m.subject_id, m.status) for m in found] == [(1, "possible")]


def test_two_subjects_meeting_one_row_are_both_to_verify() -> None:
    twins = keys_for((1, "Alex Calvren", "1990-01-02"), (2, "Alex Calvren", "1990-01-02"))
    found = match_row(twins, row("name_dob", "Alex Calvren|1990-01-02"))
    assert sorted((m.subject_id, m.status) for m in found) == [(1, "possible"), (2, "possible")]


def test_a_date_of_birth_on_another_linked_account_counts() -> None:
    keys = keys_for((1, "Jamie Holmont", "1969-03-03"))
    keys.add_name(1, "Jamie Holmont")  # the name is on one account, the date on another
    assert match_row(keys, row("name_dob", "James Holmont|1969-03-03"))[0].status == "matched"


def test_email_keys_meet_the_canonical_mailbox() -> None:
    keys = SubjectKeys()
    keys.exact[("email", "alexcalvren@gmail.com")].add(9)
    found = match_row(keys, row("email", "Alex.Calvren+abc@googlemail.com"))
    assert [(m.subject_id, m.status, m.fields) for m in found] == [(9, "matched", ("email",))]


def test_postcode_with_name_meets_and_postcode_alone_does_not() -> None:
    keys = keys_for((3, "Riley Fenton", "1988-08-08"))
    keys.by_postcode["BD20 6AB"].add(3)
    with_name = match_row(keys, row("postcode", "bd20 6ab", name="Riley Fenton"))
    assert [(m.subject_id, m.status) for m in with_name] == [(3, "matched")]
    assert match_row(keys, row("postcode", "BD20 6AB")) == []
