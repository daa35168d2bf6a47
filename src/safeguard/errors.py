"""The one exception hierarchy of Safeguard.

Every error a user can cause or meet derives from :class:`SafeguardError`, carries a message
written for that user, and maps to a CLI exit code. Code never raises bare ``Exception``.
"""

from __future__ import annotations

__all__ = [
    "AccessDenied",
    "ActionRefused",
    "AuthError",
    "ConfigError",
    "DeliveryRejected",
    "FormatError",
    "HashSetError",
    "ImageDecodeError",
    "NotConfigured",
    "NotFoundError",
    "PipelineError",
    "PluginError",
    "SafeguardError",
    "StoreError",
    "VerifyFailed",
    "VideoDecodeError",
]


class SafeguardError(Exception):
    """Base of every error Safeguard raises on purpose."""

    exit_code = 1


class ConfigError(SafeguardError):
    """A setting is missing or invalid."""

    exit_code = 2


class NotConfigured(ConfigError):
    """An optional setting is not set: what it enables is skipped, with a visible warning
    (a setting that is set but unusable is a plain :class:`ConfigError`)."""


class PluginError(SafeguardError):
    """A plugin registry is inconsistent (duplicate or unknown name)."""


class StoreError(SafeguardError):
    """The store cannot be opened, migrated or written."""


class NotFoundError(SafeguardError):
    """A named record (operation, delivery, subject...) does not exist."""

    exit_code = 3


class FormatError(SafeguardError):
    """Input that cannot be parsed at all."""


class DeliveryRejected(SafeguardError):
    """A whole delivery is refused (checksum mismatch, missing file, unparseable table).

    The store is left unchanged when this is raised.
    """

    exit_code = 4


class HashSetError(SafeguardError):
    """A hash set cannot be imported or exported."""


class ImageDecodeError(SafeguardError):
    """An image file cannot be decoded; ``reason`` says why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: cannot decode image: {reason}")
        self.path = path
        self.reason = reason


class VideoDecodeError(SafeguardError):
    """A video file cannot be decoded for perceptual hashing; ``reason`` says why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: cannot decode video: {reason}")
        self.path = path
        self.reason = reason


class PipelineError(SafeguardError):
    """A stage cannot run (missing prerequisite stage, empty operation...)."""


class ActionRefused(SafeguardError):
    """An analyst's action cannot be applied as asked (no justification, nothing to change)."""

    exit_code = 5


class VerifyFailed(SafeguardError):
    """A package failed one verification check; ``file`` and ``check`` say exactly where."""

    exit_code = 6

    def __init__(self, file: str, check: str, reason: str) -> None:
        super().__init__(f"{file}: {check} check failed: {reason}")
        self.file = file
        self.check = check
        self.reason = reason


class AuthError(SafeguardError):
    """A login, session or token is not valid (wrong password or code, locked, expired)."""

    exit_code = 7


class AccessDenied(SafeguardError):
    """The actor may not do this action to this resource (``safeguard.authz``)."""

    exit_code = 8
