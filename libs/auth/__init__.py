"""Who is calling: access-token verification, the `Principal`, and token revocation.

Identity issues Ed25519-signed JWTs; every service verifies them itself against identity's
JWKS (`verifier`) and refuses tokens issued before a revocation for that user (`revocation`).
`issuer` signs tokens and is what identity uses; tests use it with a throw-away key.
"""

from libs.auth.principal import Principal, Role

__all__ = ["Principal", "Role"]
