"""The checks-return vocabulary (FORMATS §4): findings and the kinds of key they come on."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["CHECK_FINDINGS", "CHECK_KINDS", "CheckFindingName"]

CheckFindingName = Literal[
    "prior_sexual_offence",
    "prior_other_offence",
    "registered_sex_offender",
    "position_of_trust",
    "works_with_children",
    "volunteers_with_children",
    "lives_with_children",
    "access_to_children",
    "applied_to_work_with_children",
    "open_investigation",
    "no_trace",
]
CHECK_FINDINGS: tuple[str, ...] = get_args(CheckFindingName)

#: Kinds of key a returns row may carry. ``reference`` is the request reference Safeguard
#: wrote on the checks request (``safeguard checks request``).
CHECK_KINDS: tuple[str, ...] = (
    "reference",
    "account_id",
    "email",
    "phone",
    "postcode",
    "name_dob",
    "name",
)
