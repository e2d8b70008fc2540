"""The federation schema factory with the security baseline every subgraph needs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from libs.graphql.entities import BatchEntitiesSchema
from libs.graphql.errors import ClientError
from libs.graphql.execution import PlainSelectionExecutor
from libs.settings import ServiceSettings

__all__ = ["build_schema"]

# Composition with @theguild/federation-composition accepts federation up to 2.9.
FEDERATION_VERSION: Literal["2.9"] = "2.9"


def _is_internal(error: GraphQLError) -> bool:
    original = error.original_error
    # graphql-core reports bad variable values as a GraphQLError wrapped in another: the
    # client's mistake, safe to show, not an internal failure.
    return original is not None and not isinstance(original, ClientError | GraphQLError)


class _ErrorCodes(MaskErrors):
    """Masks unexpected errors and gives every error an ``extensions.code``."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_is_internal, error_message="Unexpected error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR"}
        return masked

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        for error in processed:
            if not (error.extensions or {}).get("code"):
                error.extensions = {**(error.extensions or {}), "code": _code_for(error)}
        return processed


def _code_for(error: GraphQLError) -> str:
    # Errors without a path arose before execution: the document or its variables were wrong.
    if error.message.startswith("Variable '$"):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def build_schema(
    *,
    query: type,
    mutation: type | None = None,
    subscription: type | None = None,
    types: Iterable[type] = (),
    settings: ServiceSettings,
) -> strawberry.federation.Schema:
    # Extensions are made per request (they hold its execution context). The limiters' rule
    # classes are made once here: the validation cache is keyed by the rules, and a limiter
    # built per request makes new rule classes each time, so every document would be
    # validated again (a third of a request's CPU).
    rules = [
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
    ]
    if settings.common.production:
        rules += DisableIntrospection().validation_rules
    extensions: list[Any] = [
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        _ErrorCodes,
    ]
    return BatchEntitiesSchema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        types=list(types),
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=settings.common.production),
        federation_version=FEDERATION_VERSION,
        execution_context_class=PlainSelectionExecutor,
    )
