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

from wirewatch.es import make_es
from wirewatch.settings import CommonSettings

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
        from elastic_transport import ConnectionError as EsConnectionError

        if isinstance(exc, EsConnectionError):
            raise click.ClickException(
                f"Elasticsearch is not reachable at {settings().es_url}: run `wirewatch stack up`") from exc
        raise


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, default=str) + "\n")
