"""Names as analysts want them: canonical spelling, and keys that match spelling variants.

Three levels, each looser than the last:

* :func:`trim_span` / :func:`canonical_name` — the display form. Drops a leading article ("the"),
  a possessive ("'s", "’s", "s'"), stray quotes, brackets, punctuation and extra whitespace.
* :func:`match_key` — the primary matching key. Folds case, diacritics (Báñez/Banez), apostrophes
  (Kata'ib/Kataib) and hyphen or space variants (al-Sudani / al Sudani / Al-Sudani).
* :func:`place_key` — the key places are matched on: :func:`fold`, then the romanisation variants of
  Arabic, Persian, Urdu, Pashto, Kurdish, Somali, Hausa and Burmese names folded per word
  (:func:`place_word`): an article (al-, el-, ad-, as-, ash-, at-, ar-, an-, az-) is one word "al",
  ou/oo → u, ee → i, q → k, dh → z, ch → sh, doubled letters once, a final -ah/-eh/-a/-e dropped. Words
  under four letters fold only their digraphs, so short English words stay apart.
* :func:`skeleton_key` — a secondary key for transliteration variance (Hezbollah / Hizballah /
  Hizbullah): vowels dropped, doubled letters collapsed, q/c folded to k. It is loose on purpose,
  so callers use it only when the primary key found nothing and :func:`skeleton_is_specific` holds.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

APOSTROPHES = "'’ʼ‘`´"
HYPHENS = "-‐‑‒–—―"
_EDGE_JUNK = set('"“”«»‹›„‚()[]{}<>.,;:!?*_|/\\~' + APOSTROPHES + HYPHENS) | {" ", "\t", "\n", "\r", "\xa0"}
_LEADING_ARTICLE = re.compile(r"(?:the|The|THE|an?)\s++(?=\S)")
# A sentence adverb glued to a name by a capital ("Naturally China will …", "Reportedly Hamas …").
_LEADING_ADVERB = re.compile(r"[A-Z][a-z]{2,}(?:ally|ously|ively|edly|ntly)[ ]++(?=[A-Z])")
_TRAILING_LINK = re.compile(r"[ ]++(?:of|and|the|for|in|at|to|&)$")
_POSSESSIVE = re.compile(r"(?:['’ʼ][sS]|(?<=[sS])['’ʼ])$")
_WHITESPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^\w]+")
_VOWELS = re.compile(r"[aeiouy]+")
_REPEATS = re.compile(r"(.)\1+")
_ABBREVIATION_END = re.compile(r"(?:\b[A-Z]\.[A-Z]|\s[A-Z]|\bJr|\bSr|\bInc|\bCo|\bLtd|\bCorp)\.$")
_HONORIFICS = (
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "sir",
    "dame",
    "lord",
    "lady",
    "rev",
    "reverend",
    "father",
    "sheikh",
    "sheik",
    "imam",
    "pope",
    "king",
    "queen",
    "prince",
    "princess",
    "emir",
    "sultan",
    "president",
    "senator",
    "sen",
    "rep",
    "governor",
    "gov",
    "mayor",
    "minister",
    "general",
    "gen",
    "lt",
    "col",
    "colonel",
    "maj",
    "major",
    "capt",
    "captain",
    "sgt",
    "cmdr",
    "admiral",
    "adm",
    "judge",
    "justice",
    "chancellor",
    "secretary",
    "ambassador",
    "commander",
)
_HONORIFIC = re.compile(
    r"(?:(?:vice|deputy|prime|crown|former|acting)\s++)?(?:" + "|".join(_HONORIFICS) + r")\.?\s++(?=[A-Z])",
    re.IGNORECASE,
)


HONORIFIC_BEFORE = re.compile(r"\b(?:" + "|".join(_HONORIFICS) + r")\.?\s+$", re.IGNORECASE)  # "… Gen. " ends here


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``text[start:end]`` to the name itself; returns ``(start, end)``, empty if nothing is left."""
    previous = (-1, -1)
    while (start, end) != previous and start < end:
        previous = (start, end)
        start, end = _trim_edges(text, start, end)
        article = _LEADING_ARTICLE.match(text, start, end) or _LEADING_ADVERB.match(text, start, end)
        if article:
            start = article.end()
        link = _TRAILING_LINK.search(text, max(start, end - 8), end)  # "Google, Inc. of"
        if link and link.start() > start:
            end = link.start()
        possessive = _POSSESSIVE.search(text, max(start, end - 3), end)  # it can only be at the end
        if possessive and possessive.start() > start:
            end = possessive.start()
    return (start, end) if start < end else (start, start)


def _trim_edges(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _EDGE_JUNK:
        start += 1
    while end > start and text[end - 1] in _EDGE_JUNK and not _is_abbreviation_dot(text, start, end):
        end -= 1
    return start, end


def _is_abbreviation_dot(text: str, start: int, end: int) -> bool:
    """Keep the final dot of "U.S.", "Seth K." or "Jr." but not of a sentence-final word."""
    if text[end - 1] != ".":
        return False
    # the longest ending is 5 characters and \b looks at one more: the tail is enough, and keeps a span
    # ending in thousands of dots linear
    return _ABBREVIATION_END.search(text[max(start, end - 8) : end]) is not None


def strip_honorific(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop a title before a person's name ("President Joe Biden" → "Joe Biden")."""
    found = _HONORIFIC.match(text, start, end)
    return (found.end(), end) if found and found.end() < end else (start, end)


@lru_cache(maxsize=65536)
def canonical_name(name: str) -> str:
    """The display form of a name: trimmed, single-spaced."""
    start, end = trim_span(name, 0, len(name))
    return _WHITESPACE.sub(" ", name[start:end])


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case, diacritics, apostrophes and hyphen/space variants folded away: "Kata'ib" → "kataib"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    for mark in APOSTROPHES:
        plain = plain.replace(mark, "")
    return _NOT_WORD.sub(" ", plain.casefold()).strip()


ARTICLES = frozenset({"al", "el", "ad", "as", "ash", "at", "ar", "an", "az"})
_DOUBLED = re.compile(r"(.)\1+")
_FINAL_H = re.compile(r"(?<=[aeiou])h$")
_FINAL_VOWEL = re.compile(r"(?<=.{3})[ae]$")
_DIGRAPHS = (("ou", "u"), ("oo", "u"), ("ee", "i"), ("q", "k"), ("dh", "z"), ("ch", "sh"))


@lru_cache(maxsize=65536)
def place_word(word: str) -> str:
    """One folded word's romanisation-free form: "raqqah", "raqqa", "rakka" → "rak"; "ash" → "al"."""
    if word in ARTICLES:
        return "al"
    if len(word) < 3 or not word.isalpha():
        return word
    for variant, plain in _DIGRAPHS:
        word = word.replace(variant, plain)
    if len(word) < 4:
        return word
    word = _DOUBLED.sub(r"\1", word)
    return _FINAL_VOWEL.sub("", _FINAL_H.sub("", word))


@lru_cache(maxsize=65536)
def place_key(name: str) -> str:
    """The key places are matched on: "Ar-Raqqah" and "al Raqqa" → "al rak"."""
    return " ".join(place_word(word) for word in fold(name).split())


@lru_cache(maxsize=65536)
def match_key(name: str) -> str:
    """Primary key: ``match_key("the Al-Sudani's") == match_key("al Sudani") == "al sudani"``."""
    return fold(canonical_name(name))


@lru_cache(maxsize=65536)
def skeleton_key(key: str) -> str:
    """Secondary key of a :func:`match_key`: "hezbollah", "hizballah", "hizbullah" → "hzblh"."""
    words = []
    for word in key.split():
        consonants = _VOWELS.sub("", word.replace("q", "k").replace("c", "k"))
        words.append(_REPEATS.sub(r"\1", consonants))
    return " ".join(w for w in words if w)


def skeleton_is_specific(skeleton: str) -> bool:
    """A skeleton with at least five consonants is distinctive enough to match on."""
    return len(skeleton.replace(" ", "")) >= 5
