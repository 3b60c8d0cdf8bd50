"""The longest pause in indexing a chaos drill reports (``bench/chaos/pauses.py``): a stretch without growth
while articles waited; idleness (nothing waiting) is no pause."""

from __future__ import annotations

from bench.chaos.pauses import Pause, Sample, longest_pause, longest_pauses


def timeline(*rows: tuple[float, int, int]) -> list[Sample]:
    return [Sample(at, indexed, published) for at, indexed, published in rows]


def test_the_longest_stretch_without_growth_while_articles_wait_is_the_pause() -> None:
    samples = timeline((0, 0, 10), (1, 3, 10), (2, 3, 10), (3, 3, 10), (4, 3, 10), (5, 6, 10), (6, 7, 10), (7, 10, 10))
    assert longest_pause(samples) == Pause(1, 5)


def test_idleness_is_not_a_pause_and_a_new_wave_starts_the_clock() -> None:
    # all 10 searchable by 2 s; nothing published until 9 s; the next wave waits 9 → 11 s
    samples = timeline((0, 5, 10), (1, 8, 10), (2, 10, 10), (5, 10, 10), (8, 10, 10), (9, 10, 20), (10, 10, 20))
    samples += timeline((11, 15, 20), (12, 20, 20))
    assert longest_pause(samples) == Pause(9, 11)


def test_a_pause_still_running_at_the_last_sample_is_counted_to_it() -> None:
    assert longest_pause(timeline((0, 1, 5), (1, 2, 5), (2, 2, 5), (30, 2, 5))) == Pause(1, 30)


def test_samples_missed_while_a_node_was_away_leave_a_gap_that_is_part_of_the_pause() -> None:
    # no sample between 2 s and 20 s (Elasticsearch did not answer): the count grew only at 20 s
    assert longest_pause(timeline((0, 1, 5), (2, 2, 5), (20, 4, 5), (21, 5, 5))) == Pause(2, 20)


def test_no_waiting_no_pause() -> None:
    assert longest_pause([]) is None
    assert longest_pause(timeline((0, 0, 0), (1, 0, 0))) is None


def test_the_longest_pauses_come_longest_first() -> None:
    samples = timeline((0, 0, 9), (2, 1, 9), (3, 2, 9), (8, 3, 9), (9, 4, 9), (12, 5, 9))
    assert longest_pauses(samples, 2) == [Pause(3, 8), Pause(9, 12)]
