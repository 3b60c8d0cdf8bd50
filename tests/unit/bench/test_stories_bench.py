"""bench/stories.py on its invented pairs: enough pairs of every kind, and the story rule keeps its
precision and recall there (the figures README and the issue's closing note quote)."""

from __future__ import annotations

from collections import Counter

from bench.stories import candidate_rates, new_keys, new_same, old_same, scores
from bench.stories_pairs import pairs


def test_at_least_forty_pairs_with_copies_rewrites_and_hard_negatives() -> None:
    labelled = pairs()
    kinds = Counter(kind for _, kind, _, _ in labelled)
    assert len(labelled) >= 40
    assert kinds["light rewrite"] >= 6 and kinds["different event, same actors"] >= 6
    assert kinds["follow-up days later"] >= 6


def test_the_story_rule_beats_the_old_simhash_rule_on_the_pairs() -> None:
    labelled = pairs()
    new, old = scores(new_same, labelled), scores(old_same, labelled)
    assert (new["precision"], new["recall"]) == (1.0, 1.0), new["wrong"]
    assert old["recall"] < new["recall"]
    assert candidate_rates(new_keys, labelled)["same"] == 1.0  # the band keys find every same-story pair
