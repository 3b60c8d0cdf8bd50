"""The indexer's memory of fingerprints (services/indexer/stories.py) answers for the text it is given: one fetch
of an article (same id, same fetch time) re-parsed into another text gets the new text's fingerprint."""

from __future__ import annotations

from datetime import UTC, datetime

from wirewatch.core.stories import fingerprint
from wirewatch.services.indexer import stories

FIRST = " ".join(f"first version word{i} of the report about the harbour fire and its aftermath" for i in range(8))
SECOND = " ".join(f"second version term{i} on the border talks between the two delegations today" for i in range(8))


def test_a_refetch_with_another_text_is_not_given_the_old_fingerprint() -> None:
    fetched = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
    first, second = fingerprint(FIRST).keys, fingerprint(SECOND).keys
    assert first != second
    assert stories._remembered("doc1", fetched, FIRST).keys == first
    assert stories._remembered("doc1", fetched, SECOND).keys == second
    assert stories._remembered("doc1", fetched, FIRST).keys == first
