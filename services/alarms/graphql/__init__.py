"""The alarms subgraph: types, queries, mutations and the live subscription."""

from services.alarms.graphql.context import AlarmsContext
from services.alarms.graphql.mutations import Mutation
from services.alarms.graphql.queries import Query
from services.alarms.graphql.subscription import Subscription
from services.alarms.graphql.types import Alarm, Occurrence

__all__ = ["TYPES", "AlarmsContext", "Mutation", "Query", "Subscription"]

# Entities no root field reaches directly must be named for the schema to include them.
TYPES = [Alarm, Occurrence]
