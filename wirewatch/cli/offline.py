"""Offline commands that need no services: ``wirewatch parse`` and ``wirewatch extract``."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from wirewatch.cli._common import console


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", required=True, help="the page's URL (for relative links, dates in the path, the id)")
@click.option("--json", "as_json", is_flag=True, help="one Article JSON per line (the default for several files)")
def parse(files: tuple[Path, ...], url: str, as_json: bool) -> None:
    """Parse saved HTML page(s) into Article JSON, exactly as the parser worker would."""
    from wirewatch.services.fetcher.urls import canonicalize, document_id
    from wirewatch.services.parser.pipeline import parse_page

    failed = 0
    for path in files:
        canonical = canonicalize(url)
        try:
            article = parse_page(
                path.read_bytes(), url=canonical, page_id=document_id(canonical), fetched_at=datetime.now(UTC)
            )
        except Exception as exc:
            if not hasattr(exc, "reason"):
                raise
            failed += 1
            click.echo(f"{path}: {getattr(exc, 'error_class', type(exc).__name__)}: {exc.reason}", err=True)
            continue
        if as_json or len(files) > 1:
            sys.stdout.write(article.model_dump_json() + "\n")
        else:
            console.print(
                f"[bold]{article.title}[/bold]\n{article.source} · {', '.join(article.authors)} · "
                f"{article.published_at} ({article.date_source}) · {article.language}\n"
            )
            console.print(article.text)
    if failed:
        raise SystemExit(1)


@click.command()
@click.argument("file", required=False, type=click.File("r"))
@click.option("--jsonl", is_flag=True, help='input is lines of {"id", "text"}; one output line per input line')
def extract(file: Any, jsonl: bool) -> None:
    """Add entities to an Article JSON, or to lines of {"id","text"} (from FILE or standard input)."""
    from wirewatch.schemas import ParsedArticle
    from wirewatch.services.extractor.enrichment import enrich
    from wirewatch.services.extractor.handler import build_extractor
    from wirewatch.services.extractor.jsonl import annotate_lines
    from wirewatch.services.extractor.settings import ExtractorSettings

    source = file or sys.stdin
    extractor = build_extractor(ExtractorSettings())
    if jsonl:
        for line in annotate_lines(source, extractor):
            sys.stdout.write(line + "\n")
        return
    value = json.loads(source.read())
    articles = [ParsedArticle.model_validate(v) for v in (value if isinstance(value, list) else [value])]
    for article in enrich(articles, extractor=extractor):
        sys.stdout.write(article.model_dump_json() + "\n")
