"""Importing this module runs the parser once, loading everything it loads lazily.

The language model (~0.7 s) and trafilatura's first-call set-up (~0.5 s) would otherwise land on the
first document of every worker. The budget pool's forkserver preloads this module, so every worker —
including one that replaces a killed worker — starts warm.
"""

from __future__ import annotations

from datetime import UTC, datetime

from trafilatura import external

from wirewatch.services.parser.pipeline import parse_page

_SENTENCE = "<p>The parser warms up on a short page so that later documents do not pay for it, twice.</p>"
SAMPLE = f"<html lang='en'><head><title>Warm-up</title></head><body>{_SENTENCE * 3}</body></html>".encode()

if getattr(external, "JT_STOPLIST", True) is None:  # trafilatura's justext fallback builds it on first use
    external.jt_stoplist_init()
parse_page(SAMPLE, url="https://example.invalid/warm-up", page_id="warm-up", fetched_at=datetime.now(UTC))
