"""Helpers the subcommands share: settings, an Elasticsearch client for one command, output."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
from elasticsearch import AsyncElasticsearch
from pydantic import ValidationError
from rich.console import Console

from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings

T = TypeVar("T")
console = Console(highlight=False, soft_wrap=False)


def settings() -> CommonSettings:
    try:
        return CommonSettings()
    except ValidationError as exc:
        raise click.UsageError(f"bad WIREWATCH_* setting: {exc}") from exc


def with_es(action: Callable[[AsyncElasticsearch], Awaitable[T]]) -> T:
    """Run one async action with a client that is closed afterwards, turning outages into clear errors."""

    async def go() -> T:
        es = make_es(settings())
        try:
            return await action(es)
        finally:
            await es.close()

    try:
        return asyncio.run(go())
    except Exception as exc:  # the CLI's edge: show one readable line instead of a traceback
        raise explain(exc) from exc


def explain(exc: Exception) -> Exception:
    """A one-line ``click.ClickException`` for outages and refused credentials; other errors unchanged.
    Never includes a secret: only the URL, the status and which settings to check."""
    from aiokafka.errors import KafkaConnectionError
    from elastic_transport import ConnectionError as EsConnectionError
    from elastic_transport import TlsError
    from elasticsearch import AuthenticationException, AuthorizationException

    s = settings()
    if isinstance(exc, AuthenticationException):
        how = (
            "WIREWATCH_ES_API_KEY"
            if s.es_api_key is not None
            else "WIREWATCH_ES_USERNAME and WIREWATCH_ES_PASSWORD"
            if s.es_username or s.es_password
            else None
        )
        detail = (
            f"the credentials from {how} were refused"
            if how
            else "it needs credentials: set WIREWATCH_ES_USERNAME and WIREWATCH_ES_PASSWORD (or WIREWATCH_ES_API_KEY)"
        )
        return click.ClickException(f"Elasticsearch at {s.es_url} answered 401 Unauthorized: {detail}")
    if isinstance(exc, AuthorizationException):
        return click.ClickException(
            f"Elasticsearch at {s.es_url} answered 403 Forbidden: the user lacks a privilege this command needs"
        )
    if isinstance(exc, TlsError):
        return click.ClickException(
            f"TLS to Elasticsearch at {s.es_url} failed: point WIREWATCH_ES_CA_CERTS "
            "at the CA that signed its certificate"
        )
    if isinstance(exc, EsConnectionError):
        return click.ClickException(f"Elasticsearch is not reachable at {s.es_url}: run `wirewatch stack up`")
    if isinstance(exc, KafkaConnectionError):
        return click.ClickException(
            f"Kafka is not reachable at {s.kafka_bootstrap}, or refused the "
            f"connection (security protocol {s.kafka_security_protocol}; check "
            "WIREWATCH_KAFKA_SECURITY_PROTOCOL and the SASL/TLS settings)"
        )
    return exc


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, default=str) + "\n")
