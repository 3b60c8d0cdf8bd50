"""Importing this module in the extractor's budget pool builds the extractor the settings name and enriches
a sample once, so that every worker forked from the pool's forkserver starts with the model loaded (its pages
shared, not copied) and warm.

It does so only where ``WIREWATCH_EXTRACTOR_PRELOAD`` is set (the extractor worker sets it before its pool
starts the forkserver): anywhere else importing it costs nothing. A failure is left for the worker to meet
again and report on its first request (a forkserver has nowhere to report it).
"""

from __future__ import annotations

import contextlib
import os

from wirewatch.services.extractor.budget import PRELOAD_FLAG, Recipe, extractor_for, sample_article
from wirewatch.services.extractor.enrichment import enrich
from wirewatch.services.extractor.settings import ExtractorSettings

if os.environ.get(PRELOAD_FLAG) == "1":
    # a failure is not lost: the worker builds the extractor again and reports the error to the caller
    with contextlib.suppress(Exception):
        enrich([sample_article()], extractor=extractor_for(Recipe.from_settings(ExtractorSettings())))
