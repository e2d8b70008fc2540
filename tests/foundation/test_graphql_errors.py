"""Domain errors translated to client errors; a client's error logged as one line with its code
and ids, an unexpected one with its traceback."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import pytest
import strawberry
from graphql import GraphQLError

from libs.graphql.errors import ClientError, Conflict, ErrorTranslation, NotFound
from libs.graphql.schema import build_schema
from libs.settings import CommonSettings, ServiceSettings


@strawberry.type
class Query:
    @strawberry.field
    def sign(self) -> int:
        raise Conflict("already signed", existingSignatureId="s-1")

    @strawberry.field
    def broken(self) -> int:
        raise RuntimeError("connection string with a password in it")


Answered = tuple[list[GraphQLError], logging.LogRecord]


@pytest.fixture
def answer(caplog: pytest.LogCaptureFixture) -> Callable[[str], Awaitable[Answered]]:
    """Runs a query; gives its errors and the one log record it must have left."""
    settings = ServiceSettings(database_url="sqlite+aiosqlite://", port=1, common=CommonSettings())
    schema = build_schema(query=Query, settings=settings)

    async def run(query: str) -> Answered:
        with caplog.at_level(logging.INFO):
            result = await schema.execute(query)
        assert result.errors
        [record] = caplog.records
        return result.errors, record

    return run


async def test_client_error_is_one_log_line_with_its_code_and_ids_and_no_traceback(
    answer: Callable[[str], Awaitable[Answered]],
) -> None:
    errors, record = await answer("query Sign { sign }")
    assert errors[0].extensions == {"code": "CONFLICT", "existingSignatureId": "s-1"}
    assert record.exc_info is None
    assert record.stack_info is None
    assert record.levelno == logging.WARNING
    assert getattr(record, "code", None) == "CONFLICT"
    line = record.getMessage()
    assert "CONFLICT" in line
    assert "path=sign" in line
    assert "operation=Sign" in line
    assert "existingSignatureId=s-1" in line
    assert "already signed" not in line  # messages may hold personal data; ids only


async def test_validation_error_is_one_log_line_with_its_code(
    answer: Callable[[str], Awaitable[Answered]],
) -> None:
    _errors, record = await answer("{ nothing }")
    assert record.exc_info is None
    assert getattr(record, "code", None) == "GRAPHQL_VALIDATION_FAILED"


async def test_unexpected_error_still_logs_its_traceback(
    answer: Callable[[str], Awaitable[Answered]],
) -> None:
    errors, record = await answer("{ broken }")
    assert errors[0].extensions == {"code": "INTERNAL_SERVER_ERROR"}
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


class DomainError(Exception):
    pass


class Missing(DomainError):
    pass


class MissingUnit(Missing):
    pass


class Taken(DomainError):
    def __init__(self, *, existing_id: str) -> None:
        super().__init__("taken")
        self.existing_id = existing_id


def _taken(error: Taken) -> ClientError:
    return Conflict(str(error), existingId=error.existing_id)


translated = ErrorTranslation({Missing: NotFound, Taken: _taken})


def test_translation_covers_subclasses_and_adds_the_extensions_a_rule_gives() -> None:
    with pytest.raises(NotFound) as missing, translated():
        raise MissingUnit("no such unit")
    assert missing.value.message == "no such unit"
    assert missing.value.extensions == {"code": "NOT_FOUND"}
    assert isinstance(missing.value.__cause__, MissingUnit)
    with pytest.raises(Conflict) as taken, translated():
        raise Taken(existing_id="x-1")
    assert taken.value.extensions == {"code": "CONFLICT", "existingId": "x-1"}


def test_errors_without_a_rule_pass_unchanged() -> None:
    with pytest.raises(DomainError), translated():
        raise DomainError("no rule for the base")
    with pytest.raises(NotFound), translated():
        raise NotFound("already a client error")
    assert translated.client_error(ValueError("x")) is None
