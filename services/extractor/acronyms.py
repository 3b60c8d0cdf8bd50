"""Acronyms an article defines: "Joint Operations Command (JOC)", "JOC (Joint Operations Command)", and "SDF, the
Syrian Democratic Forces," make the acronym an alias of the name it spells out (:func:`acronym_definitions`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from wirewatch.services.extractor.groups import group_key
from wirewatch.services.extractor.normalise import match_key
from wirewatch.services.extractor.spans import Candidate

_ACRONYM = re.compile(r"\s*\(\s*([A-Z][A-Za-z&]{1,9}|[A-Z](?:\.[A-Z])+\.?)\s*\)")
_ACRONYM_BEFORE = re.compile(r"(?<![\w-])([A-Z][A-Za-z&]{1,9}|[A-Z](?:\.[A-Z])+\.?)\s*\(\s*$")
_CLOSING = re.compile(r"\s*\)")
_APPOSED_ACRONYM = re.compile(r"(?<![\w-])([A-Z][A-Z&]{1,9}),\s+(?:the\s+)?$")


def acronym_definitions(text: str, candidates: Sequence[Candidate]) -> tuple[dict[str, str], list[Candidate]]:
    """``{acronym key: expansion key}`` and a candidate for each acronym the model did not tag."""
    starts = {c.start for c in candidates}
    aliases: dict[str, str] = {}
    extra: list[Candidate] = []
    for candidate in candidates:
        found = _ACRONYM.match(text, candidate.end) or _acronym_before(text, candidate)
        if found is None or not _abbreviates(found.group(1), text[candidate.start : candidate.end]):
            continue
        aliases[match_key(found.group(1))] = group_key(text[candidate.start : candidate.end], candidate)
        if found.start(1) not in starts:
            extra.append(replace(candidate, start=found.start(1), end=found.end(1), tier="model", entry=None))
    return aliases, extra


def _acronym_before(text: str, candidate: Candidate) -> re.Match[str] | None:
    """The acronym a name in parentheses or in apposition spells out: "SDF (Syrian Democratic Forces)",
    "SDF, the Syrian Democratic Forces,"."""
    window = max(candidate.start - 16, 0), candidate.start
    if _CLOSING.match(text, candidate.end):
        return _ACRONYM_BEFORE.search(text, *window)
    return _APPOSED_ACRONYM.search(text, *window)


def _abbreviates(acronym: str, name: str) -> bool:
    """Whether the capitals of ``acronym`` are, in order, initials of ``name``'s words."""
    letters = [ch for ch in acronym if ch.isupper()]
    initials = "".join(w[0].upper() for w in re.findall(r"\w+", name))
    if len(letters) < 2 or not initials or letters[0] != initials[0]:
        return False
    position = 0
    for letter in letters:
        position = initials.find(letter, position) + 1
        if position == 0:
            return False
    return True
