"""Story clustering without a server: band keys, the same-story decision and the batch assignment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wirewatch.core.stories import (
    MIN_SHINGLES,
    Member,
    assign,
    fingerprint,
    prose_words,
    same_story,
    similarity,
)

STORY = (
    "A convoy carrying medical supplies reached the town of Sinjar on Wednesday after a week-long blockade of "
    "the main road by armed men, the provincial health directorate said.\n\n"
    "Twelve lorries loaded with insulin, antibiotics and baby formula crossed the checkpoint at dawn escorted by "
    "army units, a directorate official told reporters at the town hospital.\n\n"
    "Residents said pharmacies had run out of basic medicines and that two patients needing dialysis were "
    "taken by helicopter to Duhok at the weekend.\n\n"
    "The men who closed the road belong to a local faction that accuses the town's administration of "
    "withholding salaries; talks brokered by tribal elders ended the standoff on Tuesday night."
)
COPY = (
    "By our correspondent\n\nSINJAR (Wire) - "
    + STORY.replace("\n\nResidents said", "\n\nShare this story\n\nResidents said")
    + "\n\nRead more: Iraq news"
)
OTHER_EVENT = (
    "Armed men closed the main road to the town of Sinjar again on Sunday, stopping a convoy of fuel tankers at "
    "the checkpoint and demanding that the town's administration pay overdue salaries.\n\n"
    "The provincial health directorate said the hospital had enough medicines for a month thanks to the "
    "supplies delivered last week, but warned that its generators would run dry within days.\n\n"
    "Tribal elders who brokered the previous deal said they were meeting the faction's leaders and hoped the "
    "road would reopen before the start of the school term.\n\n"
    "Army units were deployed around the checkpoint but did not intervene, residents said, and traffic to "
    "Duhok was diverted along a mountain track."
)
AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_keys_are_deterministic_and_shared_by_a_copy_but_not_by_another_event() -> None:
    story, copy, other = fingerprint(STORY), fingerprint(COPY), fingerprint(OTHER_EVENT)
    assert story.keys == fingerprint(STORY).keys and len(story.keys) == 24
    assert len(set(story.keys) & set(copy.keys)) >= 12  # a copy shares most bands
    assert not set(story.keys) & set(other.keys)


def test_a_copy_with_other_furniture_is_the_same_story_another_event_is_not() -> None:
    assert same_story(fingerprint(STORY), fingerprint(COPY))
    assert not same_story(fingerprint(STORY), fingerprint(OTHER_EVENT))
    jaccard, containment = similarity(fingerprint(STORY), fingerprint(OTHER_EVENT))
    assert jaccard < 0.1 and containment < 0.2


def test_a_trimmed_copy_with_a_standfirst_is_contained_in_the_story() -> None:
    paragraphs = STORY.split("\n\n")
    trimmed = "Aid gets through after talks end a blockade that had emptied pharmacies in the town.\n\n" + "\n\n".join(
        paragraphs[:2]
    )
    assert same_story(fingerprint(STORY), fingerprint(trimmed))


def test_furniture_lines_are_not_prose() -> None:
    assert "correspondent" not in prose_words(COPY) and "share" not in prose_words(COPY)
    assert prose_words("Too short to be prose") == ["too", "short", "to", "be", "prose"]  # nothing else there


def test_a_short_text_has_no_keys_and_joins_nothing() -> None:
    short = fingerprint("Body of story 5 about Baghdad and the coalition.")
    assert len(short.shingles) < MIN_SHINGLES and short.keys == ()
    assert not same_story(short, fingerprint("Body of story 6 about Baghdad and the coalition."))
    assert not same_story(short, short)


def member(id_: str, text: str, minutes: int, story_id: str | None = None) -> Member:
    return Member(id_, AT + timedelta(minutes=minutes), fingerprint(text), story_id)


def test_copies_in_one_batch_join_the_earliest_whatever_the_batch_order() -> None:
    batch = [member("c", COPY, 2), member("b", OTHER_EVENT, 1), member("a", STORY, 0)]
    stories = {id_: done.story_id for id_, done in assign(batch, {}, {}).items()}
    assert stories == {"a": "a", "b": "b", "c": "a"}
    assert assign(list(reversed(batch)), {}, {})["c"].story_id == "a"


def test_an_indexed_copy_lends_its_story_and_a_stored_story_is_kept() -> None:
    indexed = member("first", STORY, -60, story_id="origin")
    result = assign([member("late", COPY, 5), member("again", STORY, 6)], {"late": [indexed]}, {"again": "kept"})
    assert result["late"].story_id == "origin" and result["late"].joined == "first"
    assert result["again"].story_id == "kept"  # a replay: never moved to another story


def test_a_tie_goes_to_the_earlier_story() -> None:
    one, two = member("x2", STORY, -5, story_id="x2"), member("x1", STORY, -10, story_id="x1")
    assert assign([member("new", STORY, 0)], {"new": [one, two]}, {})["new"].story_id == "x1"


def test_a_batch_of_500_unrelated_articles_compares_only_what_shares_a_key() -> None:
    """Within a batch, an article is compared with the earlier ones sharing a band key, not with all of them
    (comparing each with every earlier one took 30 s a batch of 500 on the loaded dev machine)."""
    import random
    import time

    rng = random.Random(16)
    vocabulary = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=7)) for _ in range(3000)]
    batch = [member(f"a{n:03d}", " ".join(rng.choices(vocabulary, k=500)), n) for n in range(500)]
    started = time.perf_counter()
    stories = assign(batch, {}, {})
    assert time.perf_counter() - started < 2.0  # a generous ceiling: about 0.01 s here
    assert all(done.story_id == id_ for id_, done in stories.items())
