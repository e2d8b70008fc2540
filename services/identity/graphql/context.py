"""The request context of identity's resolvers."""

from __future__ import annotations

from strawberry.dataloader import DataLoader
from strawberry.types import Info

from libs.auth.principal import Principal
from libs.graphql.context import ServiceContext
from libs.runtime import ServiceRuntime
from services.identity import access_log
from services.identity.handlers import Deps
from services.identity.tables import AccessLogRow

__all__ = ["IdentityContext", "IdentityInfo", "caller"]


class IdentityContext(ServiceContext):
    """Adds identity's use-case dependencies and the caller's network address."""

    def __init__(self, *, runtime: ServiceRuntime, deps: Deps) -> None:
        super().__init__(runtime=runtime)
        self.deps = deps
        self._log_entries: DataLoader[str, AccessLogRow | None] | None = None

    def log_entries(self) -> DataLoader[str, AccessLogRow | None]:
        """Access-log entries by id, one query for all the reviews' samples of a request."""
        if self._log_entries is None:
            sessions = self.sessions
            self._log_entries = DataLoader(
                load_fn=lambda ids: access_log.log_entries(sessions=sessions, entry_ids=ids)
            )
        return self._log_entries

    def client_address(self) -> str:
        """The first ``x-forwarded-for`` hop (the gateway's client), else the socket peer."""
        if self.request is None:
            return "unknown"
        forwarded = self.request.headers.get("x-forwarded-for")
        if forwarded:
            first = forwarded.split(",")[0].strip()
            if first:
                return first
        return self.request.client.host if self.request.client else "unknown"


IdentityInfo = Info[IdentityContext, None]


async def caller(info: IdentityInfo) -> Principal:
    return await info.context.principal()
