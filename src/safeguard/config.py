"""Settings: the one documented place (``docs/configuration.md``) for every ``SAFEGUARD_*``.

Settings come from the environment. :func:`load_settings` reads them once per call; code that
needs settings takes a :class:`Settings` argument rather than reading the environment itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from safeguard.errors import ConfigError

__all__ = ["SETTINGS_DOC", "Settings", "load_settings"]

#: Every environment variable Safeguard reads, with its meaning. ``docs/configuration.md``
#: must describe each one (a test checks it).
SETTINGS_DOC: dict[str, str] = {
    "SAFEGUARD_DATA_DIR": "directory for the embedded database, evidence store and outputs",
    "SAFEGUARD_DATABASE_URL": "SQLAlchemy URL of the store; default SQLite under the data dir",
    "SAFEGUARD_GEOIP_CITY": "path of a MaxMind City (or Country) database",
    "SAFEGUARD_GEOIP_ANONYMOUS": "path of a MaxMind Anonymous-IP database",
    "SAFEGUARD_LEXICON": "path of the indicator-phrase lexicon (JSON)",
    "SAFEGUARD_RULESET": "path of the risk ruleset file (YAML); default the built-in one",
    "SAFEGUARD_PDQ_MAX_DISTANCE": "largest PDQ Hamming distance that counts as a match",
    "SAFEGUARD_PDQ_MIN_QUALITY": "PDQ hashes of lower quality are not matched",
    "SAFEGUARD_ARCHIVE_MAX_BYTES": "largest total uncompressed size accepted from an archive",
    "SAFEGUARD_ARCHIVE_MAX_RATIO": "largest compression ratio accepted from an archive member",
    "SAFEGUARD_XML_MAX_BYTES": "largest XML report file accepted (CyberTipline reports)",
    "SAFEGUARD_SCAN_MAX_FILE_BYTES": "device scans do not read files larger than this (reported)",
    "SAFEGUARD_USER": "name recorded as the person running CLI commands (default: login name)",
    "SAFEGUARD_OPERATION": "operation a command acts on when --operation/-o is not given",
    "SAFEGUARD_KEY_PASSPHRASE": "passphrase protecting the agency signing key (keys init, send)",
    "SAFEGUARD_CONTACT": "contact printed in every package for the issuing officer's unit",
    "SAFEGUARD_INBOX": "directory of deliveries the web app may ingest (default <data dir>/inbox)",
    "SAFEGUARD_SERVE_TLS": "set by `safeguard serve --workers` for its worker processes",
    "SAFEGUARD_SERVE_WORKERS": "set by `safeguard serve --workers` for its worker processes",
}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _path(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name)
    return Path(raw) if raw else None


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("safeguard-data")
    database_url: str = ""
    geoip_city: Path | None = None
    geoip_anonymous: Path | None = None
    lexicon: Path | None = None
    ruleset: Path | None = None
    pdq_max_distance: int = 31
    pdq_min_quality: int = 50
    archive_max_bytes: int = 20 * 1024**3
    archive_max_ratio: int = 200
    xml_max_bytes: int = 64 * 1024**2
    scan_max_file_bytes: int = 64 * 1024**3
    user: str = field(default_factory=lambda: os.environ.get("USER", "unknown"))
    operation: str = ""
    key_passphrase: str = field(default="", repr=False)
    contact: str = "Safeguard intelligence desk"
    inbox: Path | None = None

    @property
    def url(self) -> str:
        """The database URL, defaulting to SQLite under the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'safeguard.db').resolve()}"

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def inbox_dir(self) -> Path:
        """Where deliveries wait to be ingested from the web (``SAFEGUARD_INBOX``)."""
        return self.inbox or self.data_dir / "inbox"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    unknown = sorted(k for k in env if k.startswith("SAFEGUARD_") and k not in SETTINGS_DOC)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}; see docs/configuration.md")
    return Settings(
        data_dir=Path(env.get("SAFEGUARD_DATA_DIR") or "safeguard-data"),
        database_url=env.get("SAFEGUARD_DATABASE_URL", ""),
        geoip_city=_path(env, "SAFEGUARD_GEOIP_CITY"),
        geoip_anonymous=_path(env, "SAFEGUARD_GEOIP_ANONYMOUS"),
        lexicon=_path(env, "SAFEGUARD_LEXICON"),
        ruleset=_path(env, "SAFEGUARD_RULESET"),
        pdq_max_distance=_int(env, "SAFEGUARD_PDQ_MAX_DISTANCE", 31),
        pdq_min_quality=_int(env, "SAFEGUARD_PDQ_MIN_QUALITY", 50),
        archive_max_bytes=_int(env, "SAFEGUARD_ARCHIVE_MAX_BYTES", 20 * 1024**3),
        archive_max_ratio=_int(env, "SAFEGUARD_ARCHIVE_MAX_RATIO", 200),
        xml_max_bytes=_int(env, "SAFEGUARD_XML_MAX_BYTES", 64 * 1024**2),
        scan_max_file_bytes=_int(env, "SAFEGUARD_SCAN_MAX_FILE_BYTES", 64 * 1024**3),
        user=env.get("SAFEGUARD_USER") or env.get("USER") or "unknown",
        operation=env.get("SAFEGUARD_OPERATION", ""),
        key_passphrase=env.get("SAFEGUARD_KEY_PASSPHRASE", ""),
        contact=env.get("SAFEGUARD_CONTACT") or "Safeguard intelligence desk",
        inbox=_path(env, "SAFEGUARD_INBOX"),
    )
