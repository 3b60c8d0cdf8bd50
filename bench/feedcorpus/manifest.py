"""Write the corpus out: one file per feed and ``manifest.json`` (per feed: file, URL, content type, format,
family, language, encoding, note, and the expected items with link, title and date).

Run: ``.venv/bin/python -m bench.feedcorpus.manifest --out DIR``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.feedcorpus.cases import build_corpus
from bench.feedcorpus.model import CorpusFeed


def manifest_entry(feed: CorpusFeed) -> dict[str, object]:
    return {
        "file": feed.filename,
        "url": feed.url,
        "content_type": feed.content_type,
        "format": feed.format,
        "family": feed.family,
        "language": feed.language,
        "encoding": feed.encoding,
        "note": feed.note,
        "count": len(feed.expected),
        "items": [item.as_json() for item in feed.expected],
    }


def write_corpus(directory: Path) -> int:
    """Write every feed and the manifest into ``directory``; the number of feeds."""
    directory.mkdir(parents=True, exist_ok=True)
    feeds = build_corpus()
    for feed in feeds:
        (directory / feed.filename).write_bytes(feed.body)
    manifest = {"feeds": [manifest_entry(feed) for feed in feeds]}
    (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(feeds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="directory to write the feeds and manifest.json into")
    args = parser.parse_args()
    count = write_corpus(args.out)
    print(f"{count} feeds and manifest.json written to {args.out}")


if __name__ == "__main__":
    main()
