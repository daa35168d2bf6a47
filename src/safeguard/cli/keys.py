"""`safeguard keys` (the agency signing key) and `safeguard forces` (recipients' age keys)."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from safeguard.cli.common import JSON, console, emit_json, handle_errors, open_store, settings

__all__ = ["register"]

keys_app = typer.Typer(help="The agency's Ed25519 signing key.", no_args_is_help=True)
forces_app = typer.Typer(
    help="Recipients (forces, ROCUs, the agency) and the age keys packages are sealed to.",
    no_args_is_help=True,
)


@keys_app.command("init")
@handle_errors
def keys_init(
    as_json: bool = JSON,
) -> None:
    """Create the agency signing key under the data dir (never replaces an existing one).

    The private key file is mode 0600 and encrypted with SAFEGUARD_KEY_PASSPHRASE when set.
    """
    from safeguard.package.keys import init_agency_key

    cfg = settings()
    key = init_agency_key(cfg)
    doc = {
        "fingerprint": key.fingerprint,
        "public_key": str(key.public_path),
        "encrypted": bool(cfg.key_passphrase),
    }
    if as_json:
        emit_json(doc)
        return
    console.print(
        f"agency signing key {key.fingerprint}; public key for recipients: "
        f"{key.public_path}"
        + ("" if cfg.key_passphrase else " (private key protected by file permissions only)")
    )


@keys_app.command("show")
@handle_errors
def keys_show(
    as_json: bool = JSON,
) -> None:
    """The agency public key and its fingerprint, to give to recipients."""
    from safeguard.package.keys import load_agency_key

    key = load_agency_key(settings())
    doc = {
        "fingerprint": key.fingerprint,
        "public_key": key.public_path.read_text().strip(),
        "file": str(key.public_path),
    }
    if as_json:
        emit_json(doc)
    else:
        console.print(f"{doc['fingerprint']}  {doc['public_key']}  ({doc['file']})")


@forces_app.command("set-key")
@handle_errors
def forces_set_key(
    recipient: str = typer.Argument(..., help="Force id (e.g. kent), rocu:<name> or agency."),
    age_pubkey: str = typer.Argument(..., help="The recipient's age public key (age1...)."),
    as_json: bool = JSON,
) -> None:
    """Set the age public key packages for a recipient are encrypted to (audited)."""
    from safeguard.package.keys import set_recipient_key

    set_recipient_key(open_store(), recipient, age_pubkey, user=settings().user)
    if as_json:
        emit_json({"recipient": recipient, "age_public_key": age_pubkey.strip()})
    else:
        console.print(f"age key set for {recipient}")


@forces_app.command("keys")
@handle_errors
def forces_keys(
    all_recipients: bool = typer.Option(
        False, "--all", help="Also list forces and ROCUs with no key."
    ),
    as_json: bool = JSON,
) -> None:
    """Recipients and their age keys (packages for a recipient with no key are refused)."""
    from safeguard.package.keys import recipient_keys
    from safeguard.package.recipients import AGENCY, parse, rocus
    from safeguard.refdata import uk

    known = {k.recipient_id: k for k in recipient_keys(open_store())}
    ids = sorted(
        {
            *known,
            *(uk.forces() if all_recipients else ()),
            *(rocus() if all_recipients else ()),
            *([AGENCY] if all_recipients else []),
        }
    )
    docs: list[dict[str, Any]] = []
    for rid in ids:
        k = known.get(rid)
        docs.append(
            {
                "recipient": rid,
                "kind": parse(rid).kind,
                "name": parse(rid).name,
                "age_public_key": k.age_public_key if k else None,
                "set_by": k.set_by if k else None,
                "set_at": k.set_at if k else None,
            }
        )
    if as_json:
        emit_json(docs)
        return
    table = Table("recipient", "kind", "name", "age public key", "set by")
    for d in docs:
        table.add_row(
            d["recipient"], d["kind"], d["name"], d["age_public_key"] or "(none)", d["set_by"] or ""
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
    app.add_typer(forces_app, name="forces")
