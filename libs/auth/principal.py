"""The authenticated caller and the token claims that carry it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

__all__ = ["Principal", "Role"]


class Role(StrEnum):
    CARE_STAFF = "CARE_STAFF"
    SOL_ADMIN = "SOL_ADMIN"
    UNIT_MANAGER = "UNIT_MANAGER"
    SYSTEM_ADMIN = "SYSTEM_ADMIN"


@dataclass(frozen=True)
class Principal:
    """A user's identity and roles as stated by a verified access token.

    Roles are per unit (``unit_roles``); SYSTEM_ADMIN is not tied to a unit.
    """

    user_id: str
    unit_roles: Mapping[str, frozenset[Role]] = field(default_factory=dict)
    global_roles: frozenset[Role] = frozenset()
    issued_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    token_id: str | None = None

    @property
    def is_system_admin(self) -> bool:
        return Role.SYSTEM_ADMIN in self.global_roles

    def has_role(self, unit_id: str, *roles: Role) -> bool:
        """True if the user holds any of ``roles`` in ``unit_id`` (any role if none given)."""
        held = self.unit_roles.get(unit_id, frozenset())
        return bool(held) if not roles else any(role in held for role in roles)

    def units_with(self, *roles: Role) -> frozenset[str]:
        return frozenset(unit for unit in self.unit_roles if self.has_role(unit, *roles))

    def to_claims(self) -> dict[str, Any]:
        return {
            "sub": self.user_id,
            "units": {unit: sorted(roles) for unit, roles in self.unit_roles.items()},
            "roles": sorted(self.global_roles),
        }

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Principal:
        units: Mapping[str, Iterable[str]] = claims.get("units") or {}
        return cls(
            user_id=str(claims["sub"]),
            unit_roles={
                str(unit): frozenset(Role(role) for role in roles) for unit, roles in units.items()
            },
            global_roles=frozenset(Role(role) for role in claims.get("roles") or ()),
            issued_at=datetime.fromtimestamp(float(claims["iat"]), UTC),
            token_id=claims.get("jti"),
        )
