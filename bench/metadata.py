"""Score the parser's title, authors and published date against hand-checked truth, beside trafilatura's.

Usage::

    python bench/metadata.py [DIR] [--json PATH] [--errors]

DIR holds ``<name>.html`` pages and ``truth.json`` (``{name: {"url", "title", "authors",
"author_organization"?, "published", "precision", "zone"}}``); it defaults to the fixture set in
``tests/fixtures/pages/metadata`` (the shared extraction benchmark's truth has bodies and URLs only).

Scores, each over all pages:

* title: exact match after whitespace folding;
* authors: micro-averaged F1 over (page, name) pairs, names compared exactly; organisation: exact match
  of ``author_organization`` on the pages whose truth names one;
* date (instant): ``published_at`` is the same instant as the truth (a day's truth is its 00:00 UTC);
* date (day): the calendar day of the truth in its own offset equals the system's day there (the one
  figure trafilatura, which gives days only, can be compared on);
* date (honest): the instant, and the precision (``day`` / ``minute`` / ``second``) and the zone's
  provenance (``stated`` / ``borrowed`` / ``unknown``) match, so a day is never passed off as a midnight and
  a zone-less clock never as UTC.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = REPO_ROOT / "tests" / "fixtures" / "pages" / "metadata"
FETCHED_AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@dataclass
class Guess:
    """What one system says about one page."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    organization: str | None = None
    published: datetime | None = None
    day: date | None = None
    precision: str | None = None
    zone: str | None = None


def ours(html: bytes, url: str) -> Guess:
    from wirewatch.services.parser.pipeline import parse_page

    article = parse_page(html, url=url, page_id="bench", fetched_at=FETCHED_AT)
    published = article.published_at
    return Guess(
        title=article.title,
        authors=list(article.authors),
        organization=getattr(article, "author_organization", None),
        published=published,
        day=published.date() if published is not None else None,
        precision=getattr(article, "published_precision", None),
        zone=getattr(article, "published_zone", None),
    )


def theirs(html: bytes, url: str) -> Guess:
    import trafilatura

    found = trafilatura.extract_metadata(html.decode("utf-8"), default_url=url)
    if found is None:
        return Guess()
    authors = [a.strip() for a in (found.author or "").split(";") if a.strip()]
    day = date.fromisoformat(found.date[:10]) if found.date else None
    return Guess(title=found.title, authors=authors, day=day)


SYSTEMS: dict[str, Callable[[bytes, str], Guess]] = {"ours": ours, "trafilatura": theirs}


def truth_instant(truth: dict[str, Any]) -> tuple[datetime, date]:
    text = truth["published"]
    if len(text) == 10:
        day = date.fromisoformat(text)
        return datetime(day.year, day.month, day.day, tzinfo=UTC), day
    value = datetime.fromisoformat(text)
    return value, value.date()


def score(pages: dict[str, dict[str, Any]], directory: Path, system: Callable[[bytes, str], Guess]) -> dict[str, Any]:
    tally = {"title": 0, "org": 0, "org_pages": 0, "instant": 0, "day": 0, "honest": 0, "tp": 0, "fp": 0, "fn": 0}
    errors: list[str] = []
    for name, truth in pages.items():
        guess = system((directory / f"{name}.html").read_bytes(), truth["url"])
        _score_page(name, truth, guess, tally, errors)
    count = len(pages)
    precision = tally["tp"] / max(tally["tp"] + tally["fp"], 1)
    recall = tally["tp"] / max(tally["tp"] + tally["fn"], 1)
    return {
        "pages": count,
        "title_exact": tally["title"] / count,
        "authors_f1": 2 * precision * recall / max(precision + recall, 1e-9),
        "organization_exact": tally["org"] / max(tally["org_pages"], 1),
        "date_instant": tally["instant"] / count,
        "date_day": tally["day"] / count,
        "date_honest": tally["honest"] / count,
        "errors": errors,
    }


def _score_page(name: str, truth: dict[str, Any], guess: Guess, tally: dict[str, int], errors: list[str]) -> None:
    if " ".join((guess.title or "").split()) == truth["title"]:
        tally["title"] += 1
    else:
        errors.append(f"{name}: title {guess.title!r}")
    expected, found = set(truth["authors"]), set(guess.authors)
    tally["tp"] += len(expected & found)
    tally["fp"] += len(found - expected)
    tally["fn"] += len(expected - found)
    if expected != found:
        errors.append(f"{name}: authors {sorted(found)}")
    if truth.get("author_organization"):
        tally["org_pages"] += 1
        tally["org"] += guess.organization == truth["author_organization"]
    instant, day = truth_instant(truth)
    same_instant = guess.published is not None and guess.published == instant
    local = guess.published.astimezone(instant.tzinfo).date() if guess.published is not None else guess.day
    tally["instant"] += same_instant
    tally["day"] += local == day
    honest = same_instant and guess.precision == truth["precision"] and guess.zone == truth["zone"]
    tally["honest"] += honest
    if not honest:
        errors.append(f"{name}: date {guess.published} {guess.precision} {guess.zone}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--json", type=Path, help="write the scores here")
    parser.add_argument("--errors", action="store_true", help="list every page a system got wrong")
    parser.add_argument("--systems", default="ours,trafilatura")
    args = parser.parse_args(argv)
    pages = json.loads((args.directory / "truth.json").read_text())
    results = {name: score(pages, args.directory, SYSTEMS[name]) for name in args.systems.split(",")}
    columns = ("title_exact", "authors_f1", "organization_exact", "date_instant", "date_day", "date_honest")
    print(f"{'system':<12} " + " ".join(f"{c:>18}" for c in columns))
    for name, result in results.items():
        print(f"{name:<12} " + " ".join(f"{result[c]:>18.3f}" for c in columns))
        if args.errors:
            print("\n".join(f"  {e}" for e in result["errors"]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
