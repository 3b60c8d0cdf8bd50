"""Hostile texts for story clustering (issue 16, item 1): a megabyte article, and one word repeated, cost
the indexer a bounded fingerprint (CPU and memory), never one proportional to the text."""

from __future__ import annotations

import random
import time
import tracemalloc

from wirewatch.core.stories import BANDS, MAX_WORDS, ROWS, fingerprint, same_story


def huge_text(words: int) -> str:
    rng = random.Random(16)
    vocabulary = ["".join(rng.choices("abcdefghijklmnop", k=6)) for _ in range(5000)]
    paragraphs = [" ".join(rng.choices(vocabulary, k=40)) for _ in range(words // 40)]
    return "\n\n".join(paragraphs)


def test_a_megabyte_article_is_fingerprinted_from_its_opening_in_bounded_time_and_memory() -> None:
    text = huge_text(200_000)  # 1.4 MB of prose
    started = time.perf_counter()
    print_ = fingerprint(text)
    elapsed = time.perf_counter() - started
    tracemalloc.start()  # apart from the timing: tracing every allocation slows the work itself
    fingerprint(text)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(print_.shingles) <= MAX_WORDS and len(print_.keys) == BANDS
    # generous ceilings (the loaded machine): without the word cap, 1.8 s and a 77 MB hash matrix; 0.4 ms with it
    assert elapsed < 0.5, elapsed
    assert peak < 8 * 8 * MAX_WORDS * BANDS * ROWS, peak
    # a copy of its opening is still the same story
    opening = "\n\n".join(text.split("\n\n")[:30])
    assert same_story(print_, fingerprint(opening))


def test_a_megabyte_without_a_paragraph_break_is_read_no_further_than_its_opening() -> None:
    text = huge_text(200_000).replace("\n\n", " ")
    started = time.perf_counter()
    print_ = fingerprint(text)
    assert time.perf_counter() - started < 0.2  # 0.32 s here reading it all, 0.001 s reading its opening
    assert len(print_.keys) == BANDS


def test_one_word_repeated_is_too_short_to_tell_a_story() -> None:
    print_ = fingerprint(" ".join(["breaking"] * 100_000))
    assert print_.keys == () and not same_story(print_, print_)
