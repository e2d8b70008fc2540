"""Shared infrastructure for the Signa services.

Nothing here knows the care domain: no tenants, interventions or alarms. A service builds on
`settings`, `clock`, `database` (with `bulk` and `migrations`), `messaging`, `auth`, `graphql`,
`observability`, `runtime` and `web`; `devstack` starts the bundled broker and the local stack's
processes for `make dev` and the tests. `docs/building-a-service.md` shows how they fit.
"""
