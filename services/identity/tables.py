"""The identity service's tables.

Secrets are stored only as hashes: passwords (argon2id), activation and refresh tokens
(SHA-256 of 256 random bits, which needs no salt or stretching). Signing keys are the
exception: the private key PEM is stored here so every replica signs with the same key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from libs.database import UtcDateTime, new_metadata
from libs.runtime import infrastructure_tables

__all__ = [
    "INFRASTRUCTURE",
    "AccessLogRow",
    "ActivationTokenRow",
    "Base",
    "LogReviewRow",
    "LogReviewSampleRow",
    "LoginThrottleRow",
    "MailRow",
    "NotificationRow",
    "RefreshTokenRow",
    "RoleAssignmentRow",
    "RoleOrderRow",
    "SigningKeyRow",
    "UnitRow",
    "UserRow",
]

ID = String(64)


class Base(DeclarativeBase):
    metadata = new_metadata()


INFRASTRUCTURE = infrastructure_tables(Base.metadata)


class UnitRow(Base):
    __tablename__ = "units"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str | None] = mapped_column(ID)


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str | None] = mapped_column(ID)
    activated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    deactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    deactivated_by: Mapped[str | None] = mapped_column(ID)


class RoleAssignmentRow(Base):
    """One role held (or once held) by a user; ``unit_id`` is NULL for SYSTEM_ADMIN."""

    __tablename__ = "role_assignments"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    granted_by: Mapped[str | None] = mapped_column(ID)
    order_id: Mapped[str | None] = mapped_column(ID)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_by: Mapped[str | None] = mapped_column(ID)


class RoleOrderRow(Base):
    __tablename__ = "role_orders"
    __table_args__ = (
        # At most one pending order per user, unit and role, also under concurrent requests.
        Index(
            "uq_role_orders_pending",
            "user_id",
            "unit_id",
            "role",
            unique=True,
            postgresql_where=text("state = 'PENDING'"),
            sqlite_where=text("state = 'PENDING'"),
        ),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    ordered_by: Mapped[str] = mapped_column(ID)
    ordered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_by: Mapped[str | None] = mapped_column(ID)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reason: Mapped[str | None] = mapped_column(Text)


class ActivationTokenRow(Base):
    __tablename__ = "activation_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class RefreshTokenRow(Base):
    __tablename__ = "refresh_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(ID, index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SigningKeyRow(Base):
    __tablename__ = "signing_keys"
    kid: Mapped[str] = mapped_column(String(32), primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class LoginThrottleRow(Base):
    """Failed log-ins per ``account:<username>`` or ``address:<ip>``."""

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure: Mapped[datetime | None] = mapped_column(UtcDateTime())


class MailRow(Base):
    """The e-mail outbox: written with the change that causes it, sent after commit."""

    __tablename__ = "mail_outbox"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))


class AccessLogRow(Base):
    """Append-only: who accessed which care recipient's data, when and where."""

    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_unit_time", "unit_id", "accessed_at"),
        Index("ix_access_log_tenant_time", "tenant_id", "accessed_at"),
        Index("ix_access_log_user_time", "user_id", "accessed_at"),
    )
    event_id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(ID)
    tenant_id: Mapped[str] = mapped_column(ID)
    unit_id: Mapped[str] = mapped_column(ID)
    action: Mapped[str] = mapped_column(String(100))
    service: Mapped[str] = mapped_column(String(50))
    accessed_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class LogReviewRow(Base):
    __tablename__ = "log_reviews"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    reviewer_id: Mapped[str] = mapped_column(ID)
    period_from: Mapped[datetime] = mapped_column(UtcDateTime())
    period_to: Mapped[datetime] = mapped_column(UtcDateTime())
    findings: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LogReviewSampleRow(Base):
    """An access-log entry a review checked, in the order given. No foreign key to the log:
    the retention prune removes entries while the review of them is kept."""

    __tablename__ = "log_review_samples"
    review_id: Mapped[str] = mapped_column(ForeignKey("log_reviews.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(ID)


class NotificationRow(Base):
    """One reminder e-mail to one person: the notification log a unit's managers read. The
    mail itself (and when it was sent) is the ``mail_outbox`` row; the reason is the mail's
    own sentence, counts only."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_unit_queued", "unit_id", "queued_at"),
        # A redelivered announcement that slipped past the inbox still mails nobody twice.
        Index("uq_notifications_event_recipient", "event_id", "recipient_id", unique=True),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    unit_id: Mapped[str] = mapped_column(ID)
    recipient_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(ID)
    mail_id: Mapped[str] = mapped_column(ID)
    reason: Mapped[str] = mapped_column(String(500))
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime())
