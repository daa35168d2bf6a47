"""What a delivery says about the platform's users: accounts, identifiers and events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from safeguard.store.models.base import Base, BigId, JsonDoc, UtcDateTime

__all__ = ["Account", "CybertipReport", "FileEvent", "Identifier", "LoginEvent", "Message"]


class Account(Base):
    __tablename__ = "account"
    __table_args__ = (UniqueConstraint("operation_id", "platform", "platform_account_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"), index=True)
    platform: Mapped[str] = mapped_column(String(200))
    platform_account_id: Mapped[str] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(Text, nullable=True)
    username_norm: Mapped[str | None] = mapped_column(Text, nullable=True, index=True)
    display_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    email: Mapped[str | None] = mapped_column(Text, nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    date_of_birth: Mapped[date | None] = mapped_column(Date, nullable=True)
    declared_country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    declared_city: Mapped[str | None] = mapped_column(Text, nullable=True)
    declared_postcode: Mapped[str | None] = mapped_column(String(12), nullable=True)
    declared_district: Mapped[str | None] = mapped_column(String(6), nullable=True)
    bio: Mapped[str | None] = mapped_column(Text, nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)


class Identifier(Base):
    """A normalised identifier of an account (email, phone E.164, device id, postcode...).

    ``value`` is as delivered; ``norm`` is the canonical form linkers join on; ``alt_norm`` is
    a provider-specific looser form (e.g. Gmail without dots) kept separately.
    """

    __tablename__ = "identifier"
    __table_args__ = (Index("ix_identifier_kind_norm", "kind", "norm"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"))
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(Text)
    norm: Mapped[str] = mapped_column(Text)
    alt_norm: Mapped[str | None] = mapped_column(Text, nullable=True)
    first_seen: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_seen: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class LoginEvent(Base):
    """A login (or registration, upload...) from an IP address.

    Event tables are indexed only for the queries the stages run (rows by account); every
    index costs time on each big delivery, so one is added with the query that needs it.
    """

    __tablename__ = "login_event"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"))
    ts: Mapped[datetime] = mapped_column(UtcDateTime)
    ip: Mapped[str] = mapped_column(String(45))
    kind: Mapped[str] = mapped_column(String(20), default="login")
    port: Mapped[int | None] = mapped_column(nullable=True)
    user_agent: Mapped[str | None] = mapped_column(Text, nullable=True)
    device_id: Mapped[str | None] = mapped_column(Text, nullable=True)


class FileEvent(Base):
    """A file transfer with the file's hashes (never its content)."""

    __tablename__ = "file_event"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"))
    platform_event_id: Mapped[str] = mapped_column(String(200))
    ts: Mapped[datetime] = mapped_column(UtcDateTime)
    direction: Mapped[str] = mapped_column(String(10))
    counterpart_account_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    counterpart_platform_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    file_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    file_size: Mapped[int | None] = mapped_column(BigId, nullable=True)
    md5: Mapped[str | None] = mapped_column(String(32), nullable=True)
    sha1: Mapped[str | None] = mapped_column(String(40), nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sha512: Mapped[str | None] = mapped_column(String(128), nullable=True)
    pdq: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pdq_quality: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    media_type: Mapped[str | None] = mapped_column(String(10), nullable=True)


class Message(Base):
    __tablename__ = "message"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"))
    platform_message_id: Mapped[str] = mapped_column(String(200))
    ts: Mapped[datetime] = mapped_column(UtcDateTime)
    sender_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    recipient_platform_ids: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str | None] = mapped_column(Text, nullable=True)


class CybertipReport(Base):
    """One NCMEC CyberTipline report about an account: an event of its own.

    ``report_id`` is NCMEC's report id (from the delivery's manifest, its folder, or the
    document); ``attributes`` holds what the report alone says (URLs, annotations, notes).
    """

    __tablename__ = "cybertip_report"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"))
    report_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    file: Mapped[str] = mapped_column(Text)
    incident_type: Mapped[str | None] = mapped_column(Text, nullable=True)
    incident_ts: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
