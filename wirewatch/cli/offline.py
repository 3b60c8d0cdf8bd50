"""Offline commands that need no services: ``wirewatch parse`` and ``wirewatch extract``.

Both take many inputs in one start (files, or standard input as ``-`` or no file at all), because starting
costs more than the work: the parser's libraries load in about a second and spaCy's model in several, while
one page parses in tens of milliseconds. A bad input is reported on stderr with its file (or ``<stdin>:LINE``)
and the rest go on; the exit status is 1 if any failed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urljoin

import click

from wirewatch.cli._common import console, plain, safe

if TYPE_CHECKING:
    from wirewatch.schemas import ParsedArticle
    from wirewatch.services.extractor import EntityExtractor

STDIN = "<stdin>"
#: articles per ``nlp.pipe`` stream: output starts before a long input is read to its end
EXTRACT_BATCH = 64

inputs = click.argument(
    "files", nargs=-1, type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path)
)


def _is_stdin(path: Path) -> bool:
    return str(path) == "-"


def _sources(files: tuple[Path, ...]) -> tuple[Path, ...]:
    """The files given, or standard input alone when none is."""
    return files or (Path("-"),)


class Failures:
    """Counts bad inputs and reports each on stderr in one line, so a batch goes on past them."""

    def __init__(self) -> None:
        self.count = 0

    def report(self, label: str, problem: str) -> None:
        self.count += 1
        click.echo(plain(f"{label}: {problem}"), err=True)

    def exit(self) -> None:
        if self.count:
            raise SystemExit(1)


# ---------------------------------------------------------------- parse


@dataclass(frozen=True)
class Page:
    """One page to parse: where it came from (for messages), its URL and its bytes."""

    label: str
    url: str
    html: bytes
    charset: str | None = None


def _page_url(path: Path, url: str | None, base_url: str | None) -> str:
    if url is not None:
        return url
    assert base_url is not None  # checked by parse() before any page is read
    return urljoin(base_url, path.name)


def _check_urls(sources: tuple[Path, ...], url: str | None, base_url: str | None) -> None:
    if url is not None and base_url is not None:
        raise click.UsageError("--url and --base-url exclude each other")
    if url is None and base_url is None and not all(map(_is_stdin, sources)):
        raise click.UsageError("give --url or --base-url for HTML files (lines on standard input carry their own)")


def _stdin_pages(stream: TextIO, default_url: str | None, failures: Failures) -> Iterator[Page]:
    """Pages from JSON lines ``{"url", "html"}``; ``--url`` stands in for a missing ``url``."""
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        label = f"{STDIN}:{number}"
        try:
            record = json.loads(line)
            html, url = record["html"], record.get("url") or default_url
        except (ValueError, KeyError, TypeError) as exc:
            failures.report(label, f'not a JSON line {{"url", "html"}}: {exc!r}')
            continue
        if not isinstance(html, str) or not isinstance(url, str):
            failures.report(label, 'a line needs a string "html" and a string "url" (or --url)')
            continue
        yield Page(label, url, html.encode("utf-8"), charset="utf-8")  # the text is already decoded


def _pages(files: tuple[Path, ...], url: str | None, base_url: str | None, failures: Failures) -> Iterator[Page]:
    for path in _sources(files):
        if _is_stdin(path):
            yield from _stdin_pages(sys.stdin, url, failures)
        else:
            yield Page(str(path), _page_url(path, url, base_url), path.read_bytes())


def _parse_one(page: Page) -> ParsedArticle:
    from wirewatch.services.fetcher import canonicalize, document_id
    from wirewatch.services.parser import parse_page

    canonical = canonicalize(page.url)
    return parse_page(
        page.html, url=canonical, page_id=document_id(canonical), fetched_at=datetime.now(UTC), charset=page.charset
    )


def _show(article: ParsedArticle) -> None:
    """The page's own words, shown as written: never read as markup or terminal escapes."""
    console.print(
        f"[bold]{safe(article.title)}[/bold]\n{safe(article.source)} · {safe(', '.join(article.authors))} · "
        f"{article.published_at} ({article.date_source}) · {safe(article.language)}\n"
    )
    console.print(plain(article.text), markup=False)


@click.command()
@inputs
@click.option("--url", help="the URL every HTML file was saved from (relative links, dates in the path, the id)")
@click.option("--base-url", help="each HTML file's URL is this joined with the file's name")
@click.option("--json", "as_json", is_flag=True, help="one Article JSON per line (always so for several pages)")
def parse(files: tuple[Path, ...], url: str | None, base_url: str | None, as_json: bool) -> None:
    """Parse saved HTML pages into Article JSON, exactly as the parser worker would.

    FILES are HTML files, parsed as saved from --url (every file) or from --base-url joined with each file's
    name. Standard input (``-``, or no FILES) is JSON lines {"url", "html"}, one page each. A readable view is
    printed for one HTML file; otherwise one Article JSON line per page, in input order. A page that cannot be
    parsed is reported on stderr (file or <stdin>:LINE, error class, reason); the rest go on; exit status 1.
    """
    from wirewatch.services.parser import ParseError

    sources = _sources(files)
    _check_urls(sources, url, base_url)
    pretty = not as_json and len(sources) == 1 and not _is_stdin(sources[0])
    failures = Failures()
    for page in _pages(files, url, base_url, failures):
        try:
            article = _parse_one(page)
        except ParseError as exc:
            failures.report(page.label, f"{exc.error_class}: {exc.reason}")
            continue
        if pretty:
            _show(article)
        else:
            sys.stdout.write(article.model_dump_json() + "\n")
    failures.exit()


# ---------------------------------------------------------------- extract


def _read(path: Path) -> tuple[str, str]:
    """``(label, text)`` of a file, or of standard input for ``-``."""
    if _is_stdin(path):
        return STDIN, sys.stdin.read()
    return str(path), path.read_text(encoding="utf-8")


def _json_values(text: str) -> Iterator[Any]:
    """Every JSON value in ``text``: one document, the items of a list, or values one after another (lines)."""
    decoder = json.JSONDecoder()
    index = _skip_space(text, 0)
    while index < len(text):
        value, index = decoder.raw_decode(text, index)
        index = _skip_space(text, index)
        yield from (value if isinstance(value, list) else [value])


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _articles(files: tuple[Path, ...], failures: Failures) -> Iterator[ParsedArticle]:
    from pydantic import ValidationError

    from wirewatch.schemas import ParsedArticle

    for path in _sources(files):
        label, text = _read(path)
        try:
            for number, value in enumerate(_json_values(text), 1):
                try:
                    yield ParsedArticle.model_validate(value)
                except ValidationError as exc:
                    failures.report(f"{label}#{number}", f"not an Article: {exc.errors()[0]['msg']}")
        except ValueError as exc:  # broken JSON: the rest of this input cannot be read
            failures.report(label, f"not JSON: {exc}")


def _batches(articles: Iterable[ParsedArticle]) -> Iterator[list[ParsedArticle]]:
    iterator = iter(articles)
    while batch := list(islice(iterator, EXTRACT_BATCH)):
        yield batch


def _extract_lines(files: tuple[Path, ...], extractor: EntityExtractor) -> None:
    from wirewatch.services.extractor import annotate_lines

    for path in _sources(files):
        if _is_stdin(path):
            sys.stdout.writelines(line + "\n" for line in annotate_lines(sys.stdin, extractor))
            continue
        with path.open(encoding="utf-8") as lines:
            sys.stdout.writelines(line + "\n" for line in annotate_lines(lines, extractor))


@click.command()
@inputs
@click.option("--jsonl", is_flag=True, help='input is lines of {"id", "text"}; one output line per input line')
def extract(files: tuple[Path, ...], jsonl: bool) -> None:
    """Add entities to Article JSON, exactly as the extractor worker would.

    FILES (or standard input: ``-``, or no FILES) hold Article JSON: one object, a list, or one per line; each
    comes out as one enriched Article JSON line, in input order. With --jsonl they hold lines of
    {"id", "text"} instead, and each comes out with "entities" (offsets into "text"). The model is loaded
    once for all inputs. An input that is not an Article is reported on stderr; the rest go on; exit status 1.
    """
    from wirewatch.services.extractor import ExtractorSettings, build_extractor, enrich

    extractor = build_extractor(ExtractorSettings())
    if jsonl:
        _extract_lines(files, extractor)
        return
    failures = Failures()
    for batch in _batches(_articles(files, failures)):
        for article in enrich(batch, extractor=extractor):
            sys.stdout.write(article.model_dump_json() + "\n")
    failures.exit()
