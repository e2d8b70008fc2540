"""Access tokens the services accept, signed with a key made for the test session."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from libs.auth.issuer import SigningKey, TokenIssuer, jwks_document
from libs.auth.principal import Principal, Role
from libs.auth.verifier import StaticKeySource

ISSUER = "https://signa.local/identity"
AUDIENCE = "signa"


class TestTokens:
    __test__ = False  # a helper, not a test class, despite its name

    def __init__(self) -> None:
        self.key = SigningKey.generate()
        self.keys = StaticKeySource(jwks_document([self.key]))
        self._issuer = TokenIssuer(
            key=self.key, issuer=ISSUER, audience=AUDIENCE, lifetime=timedelta(minutes=5)
        )

    def token(
        self,
        user_id: str,
        units: Mapping[str, Iterable[Role]] | None = None,
        *,
        global_roles: Iterable[Role] = (),
        now: datetime | None = None,
    ) -> str:
        principal = Principal(
            user_id=user_id,
            unit_roles={unit: frozenset(roles) for unit, roles in (units or {}).items()},
            global_roles=frozenset(global_roles),
        )
        return self._issuer.issue(principal, now=now or datetime.now(UTC))
