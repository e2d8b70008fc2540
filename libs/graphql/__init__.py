"""The GraphQL edge every subgraph shares: schema factory, errors, request context, router."""
