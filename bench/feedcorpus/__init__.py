"""A feed corpus written for the project (issue 15): 244 feeds in every format, publisher style, language and
encoding the fetcher meets, each failure kind the issue lists and other real-world variants, with the expected
items of each.

Nothing here is captured from the internet: :mod:`~bench.feedcorpus.rssformats` and
:mod:`~bench.feedcorpus.formats` write each publisher's software's shape (WordPress, Drupal, Ghost, Substack-,
Medium-, Blogger-like, Hugo, Jekyll, Zola, podcasts, agencies, newspapers, government and NGO feeds),
:mod:`~bench.feedcorpus.texts` the headlines in twelve languages, :mod:`~bench.feedcorpus.cases` which feed is
which and :mod:`~bench.feedcorpus.failures` the failure kinds; :mod:`~bench.feedcorpus.scoring` holds a parser's
items against the truth. The same bytes come out on every run, so the
corpus is generated where it is used (the test, the benchmark) and written out only on demand:

    .venv/bin/python -m bench.feedcorpus.manifest --out /tmp/feedcorpus   # files + manifest.json
    .venv/bin/python -m bench.feedcorpus                                   # ours vs feedparser

The truth in a feed's ``expected`` items is what was written (link, title, date in UTC, or none), never what
a parser returns.
"""

from __future__ import annotations

from bench.feedcorpus.cases import build_corpus
from bench.feedcorpus.model import CorpusFeed, Expected

__all__ = ["CorpusFeed", "Expected", "build_corpus"]
