"""Shared infrastructure for the Signa services.

Nothing here knows the care domain: no tenants, interventions or alarms. A service builds on
`settings`, `database`, `messaging`, `auth`, `graphql`, `observability` and `runtime`; `devstack`
starts the bundled broker for local runs and tests.
"""
