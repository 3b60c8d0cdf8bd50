"""Whether a match of the shipped places is a place here: the model's PERSON or ORG is retyped only without
evidence for a person, and a name that is also a word or a given name needs context.

:class:`PlaceContext` is built once per text from the places gazetteer's matches; :meth:`PlaceContext.fits`
decides one match given the types of the model spans it overlaps (``with_places`` in :mod:`.spans` asks it):

* a match over a model LOC, or a users' watchlist match, always fits; over a model NORP, EVENT, PRODUCT …
  never ("Indian", "Shiite");
* over a model PERSON, it does not fit when there is evidence for a person: a title before the name
  ("Mr.", "Gen.", "Sheikh" — :data:`~wirewatch.services.extractor.normalise.HONORIFIC_BEFORE`), the name as
  the subject of a verb of speech ("X said", "X told reporters"), an age in apposition ("X, 45,"), or the
  name as a word of a longer PERSON span of the same text ("Ariel Sharon … Sharon"), or a name the model calls
  PERSON more than once in the text, unless this mention has place context (below);
* a match only the romanisation fold makes needs place context (below) to overrule the model's PERSON or ORG;
* an entry flagged ``needs_context`` by the builder (a country whose name reads like a given name, "Jordan", or
  is shared, "Georgia"; a small place named like a word, "Police", or like a common token, "Sharon") fits over a
  model PERSON or ORG, or with no model span at all, only with place context: a locative preposition before it
  ("in", "near", "from" …), a place noun before it ("the town of", "north of"), a dateline (the name opens a
  line and a dash or a bracketed agency follows), or a list it shares with a place that needs no context ("Iraq,
  Chad and Niger").

Each look is a bounded slice of text around the match, so a text costs time linear in its matches.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Collection, Iterable, Sequence

from wirewatch.services.extractor.gazetteer import GazetteerMatch
from wirewatch.services.extractor.normalise import HONORIFIC_BEFORE, fold

LOOK = 40  # characters looked at on each side of a match
_LOCATIVE_BEFORE = re.compile(
    r"(?:\b(?:in|at|from|near|into|towards?|across|outside|inside|around|through|throughout|via|within|"
    r"across|beyond|besieged|(?:city|town|village|province|region|district|governorate|state|capital|outskirts|"
    r"border|suburbs?|area|countryside|north|south|east|west|northeast|northwest|southeast|southwest|"
    r"northern|southern|eastern|western|central) of)\s+)$",
    re.IGNORECASE,
)
_SPEECH_AFTER = re.compile(
    r"\s+(?:has\s+|had\s+|was\s+|also\s+|then\s+|later\s+)?(?:said|says|told|tells|added|asked|wrote|argued|"
    r"insisted|recalled|explained|stated|tweeted|posted|replied|admitted|denied that)\b"
)
_AGE_AFTER = re.compile(r",\s*(?:aged\s+)?\d{1,3}\s*,")
_DATELINE_AFTER = re.compile(r"(?:,\s*[A-Z][\w .'-]{1,30})?\s*(?:\([A-Z][\w .&-]{1,30}\)\s*)?[—–-]")
_LIST_JOIN = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+|\s*/\s*)")


class PlaceContext:
    """The place matches of one text, to decide each of them against the model's spans."""

    def __init__(self, text: str, matches: Sequence[GazetteerMatch], people: Iterable[tuple[int, int]] = ()) -> None:
        """``people`` are the spans the model calls PERSON in ``text``: the words of its longer names are
        evidence for a person ("Ariel Sharon … Sharon said")."""
        self.text = text
        self.matches = sorted(matches, key=lambda m: m.start)
        self._starts = [m.start for m in self.matches]
        people = list(people)
        self._person_words = {
            word for start, end in people if len(words := fold(text[start:end]).split()) > 1 for word in words
        }
        self._person_names = Counter(fold(text[start:end]) for start, end in people)

    def fits(self, match: GazetteerMatch, model_types: Collection[str]) -> bool:
        """Whether ``match`` should stand as a place over model spans of ``model_types`` (empty: none)."""
        if match.entry.precedence == "always" or (model_types and set(model_types) <= {"LOC"}):
            return True
        if not set(model_types) <= {"PERSON", "ORG", "LOC"}:
            return False  # "Indian", "Shiite": the model's NORP (or EVENT, PRODUCT …) is no place
        if "PERSON" in model_types and self.person_evidence(match):
            return False
        if "PERSON" in model_types and self._named_as_person(match) and not self.place_evidence(match):
            return False
        if model_types and match.fuzzy:
            # a name only the romanisation fold matches ("Chase" ~ Chas) does not overrule the model alone
            return self.place_evidence(match)
        return not match.entry.needs_context or self.place_evidence(match)

    def person_evidence(self, match: GazetteerMatch) -> bool:
        before = self.text[max(match.start - LOOK, 0) : match.start]
        after = self.text[match.end : match.end + LOOK]
        if HONORIFIC_BEFORE.search(before) or _SPEECH_AFTER.match(after) or _AGE_AFTER.match(after):
            return True
        return bool(self._person_words) and fold(self.text[match.start : match.end]) in self._person_words

    def _named_as_person(self, match: GazetteerMatch) -> bool:
        """The model calls the name a person more than once in this text ("Tanaka was … Tanaka took up …"): a
        town of that name needs place context to win over it."""
        return self._person_names[fold(self.text[match.start : match.end])] > 1

    def place_evidence(self, match: GazetteerMatch) -> bool:
        before = self.text[max(match.start - LOOK, 0) : match.start]
        if _LOCATIVE_BEFORE.search(before):
            return True
        line_start = match.start == 0 or self.text[match.start - 1] == "\n"
        if line_start and _DATELINE_AFTER.match(self.text, match.end, match.end + LOOK):
            return True
        return self._listed(match)

    def _listed(self, match: GazetteerMatch) -> bool:
        """A neighbour in a list ("X, Y and Z") is a place that needs no context."""
        i = bisect_left(self._starts, match.start)
        for j in (i - 1, i + 1):
            if not 0 <= j < len(self.matches) or self.matches[j].entry.needs_context:
                continue
            other = self.matches[j]
            left, right = (other, match) if j < i else (match, other)
            if right.start - left.end <= 8 and _LIST_JOIN.fullmatch(self.text, left.end, right.start):
                return True
        return False
