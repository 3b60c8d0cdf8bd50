"""Model spans that name no one: a head word alone, a Roman numeral, a shouted interjection, an era, a review's
heading, an office, an event or a document the model calls ORG, an abbreviation of a thing, a file's name, a
minister's portfolio (:func:`no_name`); and a one-word ORG the text also writes in lowercase (:func:`common_word`)."""

from __future__ import annotations

import re
from collections import Counter

from wirewatch.services.extractor import context
from wirewatch.services.extractor.headwords import HEAD_FINAL, is_head
from wirewatch.services.extractor.normalise import fold
from wirewatch.services.extractor.shapes import shaped_name
from wirewatch.services.extractor.spans import Candidate


def _words(text: str) -> list[str]:
    return text.split()


# Spans that name no one (see no_name).
_ROMAN = re.compile(r"(?:X{1,3}(?:IX|IV|VI{0,3}|I{1,3})?|IX|IV|VI{0,3}|I{2,3})")
_ERAS = frozenset({"bc", "bce", "ad", "ce"})
_ERA_BEFORE = re.compile(r"(?:\d|\bcentury|\bmillennium)(?:st|nd|rd|th)?\s*$", re.IGNORECASE)
_OFFICES = frozenset(
    _words(
        """
        emperor empress governor minister secretary chancellor ambassador commissioner president premier counsel
        treasurer ombudsman prosecutor
        """
    )
)
# What happened or was signed, not who acts: "Arab Revolt", "Suez Crisis", "Franco-Monegasque Treaty", "Battle of X",
# "Reign of Terror", "Turbine Contract". The model's ORG ending in one (or opening with one before "of") names no body.
_EVENTS = frozenset(
    _words(
        """
        war wars battle revolt revolution uprising rebellion crisis treaty massacre rift reign testament religion
        agreement contract guarantee guaranty
        """
    )
)
# Shouted words of chat and reviews the model takes for acronyms ("WOW", "LMAO", "FYI"), and words drawn out with a
# letter three times ("VERYYYY", "Sooo"): no name.
_INTERJECTIONS = frozenset(_words("wow lol lmao lmfao rofl omg fyi btw asap thx yay yey hooray plz pls imho imo"))
_FAITHS = frozenset(_words("islam christianity judaism hinduism buddhism sikhism jainism shinto zoroastrianism"))
_CLAUSE_WORDS = frozenset(
    _words("we you they he she our your their my is are was were am be been have has had got do does did will would")
)
_DRAWN_OUT = re.compile(r"([^\W\d_])\1\1", re.IGNORECASE)
# A title-cased heading of a review or an advert begins with a word of praise or blame ("Great Service", "Worst
# Tasting Pizza"); standing alone as a line or a sentence, it names no one.
_PRAISE = frozenset(
    _words(
        """
        great good best better worst bad poor nice excellent amazing awesome terrible horrible awful lovely friendly
        fantastic wonderful delicious tasty perfect superb outstanding favorite favourite highly very super
        """
    )
)
_HEADING_BEFORE = re.compile(r"(?:\n|[.!?)][ \t]+)[ \t]*$")
_HEADING_AFTER = re.compile(r"[ \t]*(?:\n|[.!,:;]|$)")
# Abbreviations of things, offices and measures, never of a body, that the model calls ORG ("the IRR on the deal",
# "the HR department", "Google's IPO").
_THING_ABBREVIATIONS = frozenset(_words("ipo irr roi ceo cfo coo cto hr cv faq gdp diy pdf dm pm"))
# A file's name: "PPA Guaranty.doc", "Cfoforum.ppt" (the extension inside the span or right after it).
_FILE_EXTENSION = re.compile(r"\.(?:docx?|pptx?|xlsx?|pdf|txt|zip|csv|rtf)\b", re.IGNORECASE)
_PORTFOLIO_BEFORE = re.compile(r"\b(?:[Mm]inisters?|[Ss]ecretar(?:y|ies)|[Cc]ommissioner)\s+(?:of|for)\s+(?:the\s+)?$")


def no_name(text: str, candidate: Candidate) -> bool:
    """A model span that names no one: a head word alone ("Army", "Groups", "the Bank"), a Roman numeral ("Part
    VI"), a shouted interjection or a drawn-out word ("WOW", "VERYYYY"), an era ("1900 BC"), a review's heading
    ("Great Service" alone on its line), an office ("Holy Roman Emperor", "Senior Regulatory Counsel"), an event
    or a document the model calls ORG ("Suez Crisis"), an abbreviation of a thing ("IPO", "HR"), a file's name
    ("Terms Draft.doc"), or the portfolio in a minister's title ("Minister of the
    Interior", "Secretary of State")."""
    if candidate.tier != "model":
        return False
    surface = text[candidate.start : candidate.end]
    key = fold(surface)
    if key in HEAD_FINAL or _ROMAN.fullmatch(surface) or key in _INTERJECTIONS or _drawn_out(surface):
        return True
    if key in _FAITHS or (" " not in key and key.endswith("ism") and len(key) > 5):
        return True  # a faith or a doctrine: "Islam", "Wahhabism"
    if key in _ERAS and _ERA_BEFORE.search(text, max(candidate.start - 16, 0), candidate.start):
        return True
    if _heading(text, candidate.start, candidate.end, key) or _clause(key):
        return True
    if candidate.type == "ORG" and (key in _THING_ABBREVIATIONS or _file_name(text, candidate.start, candidate.end)):
        return True
    if candidate.type != "ORG" or surface.isupper() or shaped_name(surface):
        return False
    if key.split()[-1] in _OFFICES and " of " not in f" {key} ":  # not "Office of the President"
        return True
    if _event(key):
        return True
    before = _PORTFOLIO_BEFORE.search(text, max(candidate.start - 24, 0), candidate.start)
    return before is not None and key.split()[-1] not in HEAD_FINAL


def _file_name(text: str, start: int, end: int) -> bool:
    """The span is, or begins, a file's name: an extension inside it or right after it."""
    return _FILE_EXTENSION.search(text, start, min(end + 6, len(text))) is not None


def _clause(key: str) -> bool:
    """A title-cased clause, not a name: a pronoun or an auxiliary verb among its words after the first ("Panels
    On The Roof Look Great And The Power We Are Putting …", "Installed Biometrics and Got Excellent Service")."""
    return any(word in _CLAUSE_WORDS for word in key.split()[1:])


def _drawn_out(surface: str) -> bool:
    """A word with a letter three times in a row that is no Roman numeral ("VERYYYY", not "III")."""
    return any(_DRAWN_OUT.search(word) and not _ROMAN.fullmatch(word) for word in surface.split())


def _event(key: str) -> bool:
    """ "Suez Crisis", "Battle of Marengo": an event's or a document's name (the caller has ruled out a shaped
    organisation, "International Crisis Group")."""
    words = key.split()
    return len(words) > 1 and (words[-1] in _EVENTS or (words[0] in _EVENTS and words[1] == "of"))


def _heading(text: str, start: int, end: int, key: str) -> bool:
    """A span of two or more words opening with praise or blame that is a line or a sentence of its own."""
    words = key.split()
    if len(words) < 2 or words[0] not in _PRAISE:
        return False
    alone_before = start == 0 or _HEADING_BEFORE.search(text, max(start - 8, 0), start) is not None
    return alone_before and _HEADING_AFTER.match(text, end, end + 8) is not None


_EDGE_PUNCTUATION = "\"'“”‘’()[]{}.,;:!?*"


def single_word_org(text: str, candidate: Candidate) -> bool:
    """A model ORG of one capitalised word with lowercase letters after its first ("Habitat", not "NATO")."""
    if candidate.tier != "model" or candidate.type != "ORG":
        return False
    surface = text[candidate.start : candidate.end]
    return surface.isalpha() and surface[0].isupper() and surface[1:].islower()


def lowercase_words(text: str) -> Counter[str]:
    """How often ``text`` writes each word in lowercase letters alone (not inside an address, a path or a
    compound)."""
    words = (token.strip(_EDGE_PUNCTUATION) for token in text.split())
    return Counter(word for word in words if word.isalpha() and word.islower())


def common_word(text: str, candidate: Candidate, lowercase: Counter[str], capitalised: Counter[str]) -> bool:
    """A one-word model ORG that the same text writes in lowercase at least as often as the model found it
    ("Habitat loss … the habitat of"): a common noun capitalised at a sentence's start or in a heading, unless it
    is a body's head word or a cue around it says organisation ("the militia Habitat"). A name the text writes
    capitalised more often ("Google" eleven times, "google" once) stays."""
    if not single_word_org(text, candidate):
        return False
    surface = text[candidate.start : candidate.end]
    key = surface.lower()
    if lowercase[key] < capitalised[surface] or is_head(key):
        return False
    return context.cue(text, candidate.start, candidate.end) != "ORG"
