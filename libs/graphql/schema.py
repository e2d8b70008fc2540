"""The federation schema factory with the security baseline every subgraph needs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any, Literal

import strawberry
from graphql import ASTValidationRule, GraphQLError, parse
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger

from libs.graphql.context import AuthContext
from libs.graphql.entities import BatchEntitiesSchema
from libs.graphql.errors import ClientError
from libs.graphql.execution import PlainSelectionExecutor
from libs.observability import correlation_id
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


class _LoggedSchema(BatchEntitiesSchema):
    """Logs an unexpected error with its traceback (Strawberry's way) and a client's error as
    one line: a refused sign or a wrong id is an answer, not a failure to investigate."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if _is_internal(error):
                StrawberryLogger.error(error, execution_context)
            else:
                _log_client_error(error, execution_context)


def _log_client_error(error: GraphQLError, execution_context: ExecutionContext | None) -> None:
    # Ids only: the message and the variables may hold a name or a note's text. Warning, as
    # below that level the services' standard logging prints nothing.
    extensions = error.extensions or {}
    code = extensions.get("code") or _code_for(error)
    context = execution_context.context if execution_context else None
    principal = context.verified_principal if isinstance(context, AuthContext) else None
    ids = {
        "path": ".".join(str(key) for key in error.path or ()) or None,
        "operation": execution_context.operation_name if execution_context else None,
        "user": principal.user_id if principal else None,
        "correlation_id": correlation_id.get(),
        **{key: value for key, value in extensions.items() if key != "code"},
    }
    StrawberryLogger.logger.warning(
        "client error %s %s",
        code,
        " ".join(f"{key}={value}" for key, value in ids.items() if value is not None),
        extra={"code": code},
    )


# Parsed and validated documents, shared by all requests of the process. Bounded, so a public
# endpoint cannot be made to grow them with ever new documents.
_parse = lru_cache(maxsize=512)(parse)
_validate = lru_cache(maxsize=512)(validate_document)


class _RequestBaseline(_ErrorCodes):
    """What every request gets, as one extension: the token limit and the extra validation
    rules set before parsing, parsing and validation cached per document, errors masked and
    coded. Strawberry runs each extension's hooks through its own context managers; as five
    extensions (strawberry's limiters, caches and error masking) that was about a tenth of a
    ``sign`` request's CPU."""

    def __init__(self, *, rules: tuple[type[ASTValidationRule], ...], max_tokens: int) -> None:
        super().__init__()
        self._rules = rules
        self._max_tokens = max_tokens

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = (*context.validation_rules, *self._rules)
        context.parse_options["max_tokens"] = self._max_tokens
        yield from super().on_operation()

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.graphql_document = _parse(context.query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.pre_execution_errors = _validate(
            context.schema._schema, context.graphql_document, context.validation_rules
        )
        if not context.pre_execution_errors and (
            _NUL_ESCAPE in (context.query or "") or _holds_nul(context.variables)
        ):
            context.pre_execution_errors = [
                GraphQLError(
                    "text may not contain the NUL character (U+0000)",
                    extensions={"code": "BAD_USER_INPUT"},
                )
            ]
        yield


# PostgreSQL refuses NUL in text, so a string holding one would fail only at the database, as
# an internal error. graphql-core refuses a raw NUL in the document; its escape is looked for.
_NUL_ESCAPE = "\\u0000"


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def build_schema(
    *,
    query: type,
    mutation: type | None = None,
    subscription: type | None = None,
    types: Iterable[type] = (),
    settings: ServiceSettings,
) -> strawberry.federation.Schema:
    # The extension is made per request (it holds the request's execution context). The
    # limiters' rule classes are made once here: the validation cache is keyed by the rules,
    # and rules made per request would have every document validated again (a third of a
    # request's CPU).
    rules: tuple[type[ASTValidationRule], ...] = (
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
    )
    if settings.common.production:
        rules += tuple(DisableIntrospection().validation_rules)
    max_tokens = settings.graphql_max_tokens
    extensions: list[Any] = [lambda: _RequestBaseline(rules=rules, max_tokens=max_tokens)]
    return _LoggedSchema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        types=list(types),
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=settings.common.production),
        federation_version=FEDERATION_VERSION,
        execution_context_class=PlainSelectionExecutor,
    )
