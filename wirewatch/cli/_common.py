"""Helpers the subcommands share: settings, an Elasticsearch client for one command, output.

Nothing heavy is imported here at module level (see ``wirewatch/cli/__init__.py``): the rich console is built
on first use, the Elasticsearch client and the settings are imported by the helpers that need them.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch
    from rich.console import Console

    from wirewatch.core.settings import CommonSettings

T = TypeVar("T")


class _LazyConsole:
    """Stands for the commands' rich ``Console`` and builds it on first use, so ``--help`` never imports rich."""

    _console: Console | None = None

    def _real(self) -> Console:
        if self._console is None:
            from rich.console import Console

            object.__setattr__(self, "_console", Console(highlight=False, soft_wrap=False))
        return cast("Console", self._console)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._real(), name, value)

    # special methods are looked up on the type, not through __getattr__: rich's Progress and Live use these
    def __enter__(self) -> Console:
        return self._real().__enter__()

    def __exit__(self, *exc: Any) -> None:
        self._real().__exit__(*exc)


console = cast("Console", _LazyConsole())


class LazyChoice(click.Choice):  # type: ignore[type-arg]
    """A ``click.Choice`` whose values are computed when first needed (to check a value, or for the command's
    own ``--help``), so a module can declare options from the stage registry without importing it."""

    def __init__(self, load: Callable[[], Sequence[str]], case_sensitive: bool = True) -> None:
        # click.Choice.__init__ would store the values now; only its other attribute is needed
        self._load = load
        self.case_sensitive = case_sensitive

    @functools.cached_property
    def choices(self) -> Sequence[str]:  # type: ignore[override]
        return tuple(self._load())


#: the facet filters ``search`` and ``rules add`` share: option, parameter, what it keeps
FACETS = (
    ("--person", "persons", "only articles naming this person (repeatable)"),
    ("--org", "organizations", "only articles naming this organisation (repeatable)"),
    ("--place", "locations", "only articles naming this place (repeatable)"),
    ("--source", "sources", "only this source, the site name (repeatable)"),
    ("--lang", "languages", "only this language code (repeatable)"),
)
F = TypeVar("F", bound=Callable[..., Any])


def facet_options(command: F) -> F:
    """Add the :data:`FACETS` options to a click command, in that order."""
    for option, name, help_text in reversed(FACETS):
        command = click.option(option, name, multiple=True, help=help_text)(command)
    return command


def stage_names() -> list[str]:
    """Every stage of the registry, in pipeline order."""
    from wirewatch.schemas import STAGES

    return list(STAGES)


def settings() -> CommonSettings:
    from pydantic import ValidationError

    from wirewatch.core.settings import CommonSettings

    try:
        return CommonSettings()
    except ValidationError as exc:
        raise click.UsageError(f"bad WIREWATCH_* setting: {exc}") from exc


def with_es(action: Callable[[AsyncElasticsearch], Awaitable[T]]) -> T:
    """Run one async action with a client that is closed afterwards, turning outages into clear errors."""

    from wirewatch.core.es import make_es

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

    from wirewatch.core.query import QueryError
    from wirewatch.core.redaction import redact_password, redact_servers
    from wirewatch.core.secretbox import SecretError

    if isinstance(exc, (SecretError, QueryError)):
        return click.ClickException(exc.reason)
    s = settings()
    es_url, bootstrap = redact_password(s.es_url), redact_servers(s.kafka_bootstrap)
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
        return click.ClickException(f"Elasticsearch at {es_url} answered 401 Unauthorized: {detail}")
    if isinstance(exc, AuthorizationException):
        return click.ClickException(
            f"Elasticsearch at {es_url} answered 403 Forbidden: the user lacks a privilege this command needs"
        )
    if isinstance(exc, TlsError):
        return click.ClickException(
            f"TLS to Elasticsearch at {es_url} failed: point WIREWATCH_ES_CA_CERTS "
            "at the CA that signed its certificate"
        )
    if isinstance(exc, EsConnectionError):
        return click.ClickException(f"Elasticsearch is not reachable at {es_url}: run `wirewatch stack up`")
    if isinstance(exc, KafkaConnectionError):
        return click.ClickException(
            f"Kafka is not reachable at {bootstrap}, or refused the "
            f"connection (security protocol {s.kafka_security_protocol}; check "
            "WIREWATCH_KAFKA_SECURITY_PROTOCOL and the SASL/TLS settings)"
        )
    return exc


#: an OSC sequence (ESC ] … BEL or ESC \\, e.g. an OSC 8 terminal hyperlink) or a CSI one (colours, cursor moves)
_ESCAPE_SEQUENCE = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b\[[0-?]*[ -/]*[@-~]?")
#: C0 controls but tab and newline, DEL and the C1 controls: deleted from text shown on a terminal
_CONTROLS = dict.fromkeys([*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)])


def plain(value: object) -> str:
    """Untrusted text (from a feed, a page, Elasticsearch or Kafka) as it may reach a terminal: escape
    sequences and control characters removed, so it can neither plant a hyperlink nor move the cursor."""
    return _ESCAPE_SEQUENCE.sub("", str(value)).translate(_CONTROLS)


def safe(value: object) -> str:
    """Untrusted text to put inside Rich markup (a ``console.print`` string, a table cell): :func:`plain`,
    then with its brackets escaped, so ``Reuters[/]`` or ``[link=…]`` are shown as written, never parsed."""
    from rich.markup import escape

    return escape(plain(value))


def checked_query(query: str, *, kql: bool = False) -> str:
    """``query`` as Wirewatch runs it (Lucene, see ``wirewatch.core.query.validate_query``; with ``kql``, KQL
    translated to Lucene by ``wirewatch.core.kql``), else a usage error naming the offending term and its column."""
    from wirewatch.core.kql import to_lucene
    from wirewatch.core.query import QueryError

    try:
        return to_lucene(query, "kql" if kql else "lucene")
    except QueryError as exc:
        raise click.BadParameter(exc.reason, param_hint="query") from exc


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, default=str) + "\n")
