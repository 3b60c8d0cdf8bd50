"""Organisations recognised by their shape: a name built around an organisation head word is an ORG.

Names of organisations are built the same way in many languages: a head word saying what kind of body it is,
and a modifier saying which one. English and its neighbours put the head last ("Syrian Democratic *Forces*",
"Sinaloa *Cartel*"); romanised Arabic, Persian, Urdu, Pashto, Somali and Hausa names, and Spanish and French
ones, put it first ("*Harakat* al-Nujaba", "*Jaish*-e-Mohammed", "*Frente* Amplio", "*Parti* socialiste"), as
English does before "of" or "for" ("*Ministry* of Defence", "*Front* for the Liberation of …").

:func:`shaped` reads a text once and returns the spans of capitalised names in either shape. A head word alone
("Army", "Forces") is no name; a title breaks a name ("Interior Ministry spokesman", "Army Chief Asim Munir"
gives nothing after the head); an English head word only leads before "of"/"for", so "Front Street" and "Union
Station" are not organisations. :func:`apply_shapes` sets the shaped spans over the model's candidates.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from wirewatch.services.extractor.context import listed_bodies, named_acronyms, named_after_kind, named_by_members
from wirewatch.services.extractor.normalise import fold
from wirewatch.services.extractor.spans import Candidate


def _words(text: str) -> list[str]:
    return text.split()


# Head words that end a name; "weak" ones are also surnames or common nouns ("Margaret Court", "Tyra Bank"),
# so they do not take a span away from PERSON.
HEAD_FINAL = frozenset(
    _words(
        """
        movement movements front forces force army armies brigade brigades battalion battalions regiment division
        party parties alliance coalition council corps mission agency agencies ministry ministries department
        government authority authorities union federation framework cartel militia militias group groups network
        committee commission organisation organization organisations organizations association institute
        company corporation court police guard guards command bureau tribunal assembly parliament congress
        league foundation fund society university college academy directorate secretariat office service
        services administration junta caucus syndicate gang gangs mafia faction factions legion clan online
        airways airlines bank news times journal herald tribune gazette radio television
        inc llc ltd plc corp gmbh llp empire dynasty club clubs marines navy
        associates partners holdings industries enterprises technologies labs laboratories studios records
        pictures communications motors motorsports systems solutions cooperation
        """
    )
)
WEAK_HEADS = frozenset(
    _words("court bank guard office service services union news times journal herald fund club systems solutions")
)
# Head words that begin a name, whatever follows (romanised Arabic, Persian, Urdu, Pashto, Somali, Hausa;
# Spanish; French). Folded: no accents, no apostrophes ("kata'ib" → "kataib").
HEAD_INITIAL = frozenset(
    _words(
        """
        harakat haraka harakah hizb hezb hizbul kataib katibat katiba saraya liwa liwaa jaish jaysh jeish ansar
        ansaru jabhat jabha hayat hayaat tanzim asaib jamaat jamaah jamaa jamaatu jamiat jamiyat jamiat tehrik
        tehreek tahreek tahrik lashkar sipah sepah majlis ittihad ittehad ahlu tahaluf tajammu harakatu firqat
        ejercito frente partido fuerzas fuerza movimiento alianza coordinadora autodefensas comando comandos
        bloque grupo brigada brigadas consejo colectivo foro collectif
        armee parti mouvement rassemblement congres groupe conseil
        """
    )
)
# English head words begin a name only before one of these ("Ministry of Defence", "Front for …"), and so do
# the ones French and Spanish share with English ("Forces de", "Union pour", "Cartel de").
HEAD_INITIAL_LINKS = frozenset({"of", "for", "pour", "de", "du", "des", "del"})
# Suffixes fused to a romanised head: "Hizbul", "Jama'atu", "Ansarul" ("Ansari" is a surname: no "i").
_FUSED = ("ul", "ut", "ud", "us", "u")
# Lowercase words that may join the capitalised words of one name.
_LINKS = frozenset(_words("of for the and al el ul wal bin ibn de del la las los y e du des pour et da"))
# Capitalised words that are not part of a name that follows (sentence openers, days, months), and titles,
# which end a name before them.
_OPENERS = frozenset(
    _words(
        """
        the a an in on at for but and or when after before while as if it its this that these those there then
        since during with from by to of however meanwhile last earlier later according under over about some
        monday tuesday wednesday thursday friday saturday sunday january february march april may june july
        august september october november december
        """
    )
)
_TITLES = frozenset(
    _words(
        """
        mr mrs ms dr gen general col colonel lt maj major capt captain sgt cmdr commander chief leader head
        spokesman spokeswoman spokesperson minister president secretary director chairman chairwoman chair
        governor mayor sheikh sheik imam emir king prince senator rep ambassador envoy deputy vice prime
        official officials member members fighters militants rebels said says
        """
    )
)
_AND = frozenset({"and", "et", "y"})
_DEFINITE = re.compile(r"(?:[Aa]l|[Ee]l|[Aa][dnrstz]|[Aa]sh)-[A-Z][\w'’]*")
# Spans that name no one (see _no_name).
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
_PORTFOLIO_BEFORE = re.compile(r"\b(?:[Mm]inisters?|[Ss]ecretar(?:y|ies)|[Cc]ommissioner)\s+(?:of|for)\s+(?:the\s+)?$")
# No name runs longer ("Front for the Liberation of the Enclave of Cabinda" is 9): a longer run of capitals is a
# list or a heading, cut at every "and" at once (cutting where a name ends would cost the square of its length).
_MAX_WORDS = 16
_PLURAL_ARTICLES = frozenset({"los", "las"})
_OF_BEFORE = re.compile(r"[ ]of[ ](?:[Tt]he[ ])?$")
_IN_PLACE = re.compile(r" in (?:the )?[A-Z][\w'’.-]*(?: (?:of |and )?[A-Z][\w'’.-]*){0,4}")
_FORMAL = re.compile(r" (?:for|pour) ")
_WORD = re.compile(r"[^\W\d_][\w'’ʼ\-]*")
_GAP = re.compile(r"[ \t\xa0]{1,3}")
_APOSTROPHES = "'’ʼ"
#: an uppercase letter not right after a letter: where a capitalised word starts, or where the capital of a
#: prefixed one is ("al-Shabaab", see :func:`_word_start`)
_UPPERCASE = "".join(ch for ch in map(chr, range(0x10000)) if ch.isupper())
_CAPITAL = re.compile(rf"(?<![^\W\d_])[{re.escape(_UPPERCASE)}]")
_WORD_MARKS = "_'’ʼ-"
_LINK_WORD = re.compile(r"[^\W\d_][\w'’ʼ\-]*")
_TRAILING = re.compile(
    r"(?:[ \t\xa0]{1,3}(?:" + "|".join(map(re.escape, sorted(_LINKS, key=len, reverse=True))) + r")(?![\w'’ʼ\-]))+"
)
_BETWEEN = re.compile(
    r"[ \t\xa0]{1,3}(?:(?:" + "|".join(map(re.escape, sorted(_LINKS, key=len, reverse=True))) + r")[ \t\xa0]{1,3})*"
)


@dataclass(frozen=True, slots=True)
class Shaped:
    """``text[start:end]`` is an organisation's name by its shape; ``weak`` if its head is a weak one;
    ``article`` if only a Spanish plural article makes it one ("Los Zetas": no person, but maybe a place)."""

    start: int
    end: int
    weak: bool
    article: bool = False


def shaped(text: str) -> list[Shaped]:
    """Every organisation-shaped name of ``text``, left to right, never overlapping (one pass over the words).

    A long formal name goes on over "in" and the place it names ("United Nations Interim Force in Lebanon",
    "Union for Peace in the Central African Republic"); a shorter one stops there ("Mindanao State University
    in Marawi")."""
    return _shaped(text, _raw_runs(text))


def _shaped(text: str, runs: Sequence[Sequence[_Word]]) -> list[Shaped]:
    found: list[Shaped] = []
    reach = 0
    for run in (_trimmed(list(raw)) for raw in runs):
        for name in _names(text, run):
            if name.start < reach:
                continue
            name = _in_place(text, name)
            found.append(name)
            reach = name.end
    return found


def _in_place(text: str, name: Shaped) -> Shaped:
    surface = text[name.start : name.end]
    if len(surface.split()) < 4 and not _FORMAL.search(surface):
        return name
    place = _IN_PLACE.match(text, name.end)
    return replace(name, end=place.end()) if place else name


def apply_shapes(text: str, candidates: Sequence[Candidate]) -> list[Candidate]:
    """The candidates with shaped names set as ORG.

    A shaped name replaces the model candidates it covers (a PERSON one only if its head is not weak) and any
    place-gazetteer ones strictly inside it ("Jammu and Kashmir" in "Jammu and Kashmir Police"); it never
    touches a watchlist match. A model candidate around a shaped name is typed ORG when its own words are
    in shape. A shaped name where there was no candidate is added, and so is a name the words after it make a
    group's (:func:`.context.named_by_members`). A model span that is a head word alone is dropped.
    """
    kept = sorted((_definite(text, c) for c in candidates if not _no_name(text, c)), key=lambda c: c.start)
    starts, ends = [c.start for c in kept], [c.end for c in kept]
    for name in shaped(text):
        if text[name.end - 1] in "'’":  # a plural's possessive: "American Motors' models"
            name = replace(name, end=name.end - 1)
        first = bisect_right(ends, name.start)
        last = bisect_left(starts, name.end, lo=first)
        decided = _decided(text, name, kept[first:last])
        if decided is not None:
            kept[first:last] = decided
            starts[first:last] = [c.start for c in decided]
            ends[first:last] = [c.end for c in decided]
    return _with_members_cues(text, kept)


def _with_members_cues(text: str, kept: list[Candidate]) -> list[Candidate]:
    """Names the model missed that the words after them make a group's ("Daesh cells"), or "the" before them a
    body's ("the CPA has"), added as ORG."""
    starts, ends = [c.start for c in kept], [c.end for c in kept]
    added: list[Candidate] = []
    for start, end in sorted({*named_by_members(text), *named_acronyms(text), *named_after_kind(text)}):
        if not _overlaps(starts, ends, start, end) and (not added or added[-1].end <= start):
            added.append(Candidate(start, end, "ORG", "ORG", why="context"))
    kept = sorted([*kept, *added], key=lambda c: c.start) if added else kept
    return _with_list_cues(text, kept)


def _with_list_cues(text: str, kept: list[Candidate]) -> list[Candidate]:
    """Capitalised names the model missed in a list of organisations (:func:`.context.listed_bodies`), added as
    ORG."""
    starts, ends = [c.start for c in kept], [c.end for c in kept]
    untyped = [
        (piece[0].start, piece[-1].end)
        for run in name_runs(text)
        for piece in _and_pieces(run)
        if not _overlaps(starts, ends, piece[0].start, piece[-1].end)
    ]
    typed = [(c.start, c.end, c.type) for c in kept]
    added = [Candidate(start, end, "ORG", "ORG", why="context") for start, end in listed_bodies(text, typed, untyped)]
    return sorted([*kept, *added], key=lambda c: c.start) if added else kept


def _and_pieces(run: list[_Word]) -> list[list[_Word]]:
    """The run cut at "and"/"or" ("Uber and Snapchat" is two names of a list), each piece without links at its
    edges."""
    pieces: list[list[_Word]] = [[]]
    for word in run:
        if word.key in _AND or word.key == "or":
            pieces.append([])
        else:
            pieces[-1].append(word)
    return [trimmed for piece in pieces if (trimmed := _edges_trimmed(piece))]


def _overlaps(starts: list[int], ends: list[int], start: int, end: int) -> bool:
    """Whether any of the sorted, disjoint spans (``starts``, ``ends``) overlaps ``start:end``."""
    i = bisect_right(ends, start)
    return i < len(starts) and starts[i] < end


def _definite(text: str, candidate: Candidate) -> Candidate:
    """A model PERSON of two or more words that all carry the Arabic article ("Al-Quwa Al-Jawiya", "al-Hashd
    al-Shaabi") is a noun and its adjective — a body's name; a person's name begins with a given name or a
    kunya ("Abu al-Khasib" stays)."""
    if candidate.tier != "model" or candidate.type != "PERSON":
        return candidate
    words = text[candidate.start : candidate.end].split()
    if len(words) < 2 or not all(_DEFINITE.fullmatch(word) for word in words):
        return candidate
    return replace(candidate, type="ORG", label="ORG", why="shape")


def _no_name(text: str, candidate: Candidate) -> bool:
    """A model span that names no one: a head word alone ("Army", "Groups", "the Bank"), a Roman numeral ("Part
    VI"), a shouted interjection or a drawn-out word ("WOW", "VERYYYY"), an era ("1900 BC"), a review's heading
    ("Great Service" alone on its line), an office ("Holy Roman Emperor", "Senior Regulatory Counsel"), an event
    or a document the model calls ORG ("Suez Crisis"), or the portfolio in a minister's title ("Minister of the
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
    if candidate.type != "ORG" or surface.isupper() or shaped_name(surface):
        return False
    if key.split()[-1] in _OFFICES and " of " not in f" {key} ":  # not "Office of the President"
        return True
    if _event(key):
        return True
    before = _PORTFOLIO_BEFORE.search(text, max(candidate.start - 24, 0), candidate.start)
    return before is not None and key.split()[-1] not in HEAD_FINAL


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


def _decided(text: str, name: Shaped, overlapping: Sequence[Candidate]) -> list[Candidate] | None:
    """What replaces ``overlapping`` for ``name``, or ``None`` to leave them as they are.

    A weak head ("West Bank", "Margaret Court", "Soviet Union") only mends the edges of a span the model
    already called ORG: it adds no span and retypes none."""
    if any(c.tier == "watch" for c in overlapping):
        return None
    models = [c for c in overlapping if c.tier == "model"]
    if name.weak and not (models and all(c.type == "ORG" for c in models)):
        return None
    if name.article and any(c.type == "LOC" for c in overlapping):
        return None
    org = Candidate(name.start, name.end, "ORG", "ORG", why="shape")
    if not overlapping:
        return [org]
    if len(overlapping) == 1 and _around(overlapping[0], name):
        only = overlapping[0]
        if only.tier == "model" and only.type == "ORG" and "(" in text[only.start : only.end]:
            return [org]  # "Allied Democratic Forces (ADF": the name, and its acronym apart
        if only.tier == "model" and (member := _member_of(text, only, name)) is not None:
            return [member, org]
        if only.tier != "model" or only.type == "ORG" or not shaped_name(text[only.start : only.end]):
            return None
        return [replace(only, type="ORG", label="ORG", why="shape")]
    inside = all(name.start <= c.start and c.end <= name.end for c in overlapping)
    if not inside or any(c.tier == "place" and (c.start, c.end) == (name.start, name.end) for c in overlapping):
        return None
    return [org]


def _member_of(text: str, candidate: Candidate, name: Shaped) -> Candidate | None:
    """The person in a model span "Basit Ahmad Dar of The Resistance Front": two to four capitalised words with
    no head word among them, then "of (the)", then the shaped name to the span's end."""
    if name.end != candidate.end:
        return None
    of = _OF_BEFORE.search(text, candidate.start, name.start)
    if of is None:
        return None
    words = text[candidate.start : of.start()].split()
    if not 2 <= len(words) <= 4 or not all(w[:1].isupper() for w in words):
        return None
    if any(_is_head(fold(w)) or fold(w) in _TITLES for w in words):
        return None
    return Candidate(candidate.start, of.start(), "PERSON", "PERSON", why="context")


def _around(candidate: Candidate, name: Shaped) -> bool:
    return candidate.start <= name.start and name.end <= candidate.end


@lru_cache(maxsize=16384)
def shaped_name(surface: str) -> bool:
    """Whether ``surface`` as a whole is an organisation's name by its shape. Remembered per surface (a name
    recurs across articles), and read without :func:`_raw_runs`' cache, which keeps the article's runs for the
    next reader of the same text."""
    names = _shaped(surface, _read_runs(surface))
    return bool(names) and names[0].start == 0 and names[-1].end == len(surface.rstrip(".,;:"))


# Reading the text -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Word:
    start: int
    end: int
    key: str  # folded
    capital: bool


NameWord = _Word  # a word of a run, for the place shapes (:mod:`.placeshapes`), which read runs the same way
OPENERS, TITLES = _OPENERS, _TITLES


def name_runs(text: str) -> Iterator[list[_Word]]:
    """Runs of capitalised words (with their links) that may be names, without openers or links at their
    edges (a leading "Gulf" before "of" is kept); see :func:`_runs`."""
    return _runs(text, _edges_trimmed)


def _edges_trimmed(run: list[_Word]) -> list[_Word]:
    start, end = 0, len(run)
    while start < end and _opener(run[start]):
        start += 1
    while end > start and not run[end - 1].capital:
        end -= 1
    return run[start:end]


def _runs(text: str, trim: Callable[[list[_Word]], list[_Word]] | None = None) -> Iterator[list[_Word]]:
    """Runs of capitalised words joined by single spaces and lowercase links ("of the", "al-", "de"); a run
    never crosses punctuation, a line break or a possessive ("Iraq's" ends one). Each is cut by ``trim``
    (:func:`_trimmed` by default); the text is read once for both shapes, organisations' and places'."""
    trim = trim or _trimmed
    for run in _raw_runs(text):
        yield trim(list(run))


@lru_cache(maxsize=4)
def _raw_runs(text: str) -> tuple[tuple[_Word, ...], ...]:
    """:func:`_read_runs`, remembered for the last few texts: an article's runs are read by both shapes."""
    return _read_runs(text)


def _read_runs(text: str) -> tuple[tuple[_Word, ...], ...]:
    """The runs of :func:`_runs` before trimming. Only capitalised words are visited (found by one regex, see
    :data:`_CAPITAL`); the text between two of them joins them when it is gaps and link words alone."""
    runs: list[tuple[_Word, ...]] = []
    run: list[_Word] = []
    position = 0
    while found := _CAPITAL.search(text, position):
        start = _word_start(text, found.start())
        end = _WORD.match(text, start).end()  # type: ignore[union-attr]  # a letter starts a word
        position = max(end, found.end())
        word = _word(text, start, end)
        if not word.capital:  # a capital inside a lowercase word ("x-Ray"): left in the text between
            continue
        if run:
            links = _join_links(text, run[-1].end, start)
            if links is None:
                runs.append(tuple(run + _trailing_links(text, run[-1].end)))
                run = []
            else:
                run += links
        run.append(word)
    if run:
        runs.append(tuple(run + _trailing_links(text, run[-1].end)))
    return tuple(runs)


def _trailing_links(text: str, end: int) -> list[_Word]:
    """The link words right after a run's last capitalised word ("Much of the …"): a run holds them, and
    :func:`_trimmed` reads them (a plain word before a link is no name)."""
    found = _TRAILING.match(text, end)
    return (
        []
        if found is None
        else [_Word(m.start(), m.end(), m.group(), False) for m in _LINK_WORD.finditer(text, end, found.end())]
    )


def _word_start(text: str, position: int) -> int:
    """Where the word of :data:`_WORD` that holds ``position`` starts, reading the text left to right: the first
    letter of the word characters right before it ("al-Shabaab", "g1g-S3"), else ``position`` itself (a digit,
    apostrophe or hyphen alone does not start a word)."""
    start = position
    i = position - 1
    while i >= 0 and (text[i].isalnum() or text[i] in _WORD_MARKS):
        if text[i].isalpha():
            start = i
        i -= 1
    return start


def _join_links(text: str, end: int, start: int) -> list[_Word] | None:
    """The link words between two capitalised words that one run holds (``[]``: only a gap between them), or
    ``None`` when the text between them ends the run (punctuation, a possessive, any other word)."""
    between = _BETWEEN.fullmatch(text, end, start)
    if between is None:
        return None
    if start - end < 3:  # a link word takes a gap on each side
        return []
    return [_Word(m.start(), m.end(), m.group(), False) for m in _LINK_WORD.finditer(text, end, start)]


def _word(text: str, start: int, end: int) -> _Word:
    surface = text[start:end]
    if len(surface) > 2 and surface[-1] in "sS" and surface[-2] in _APOSTROPHES:  # a possessive: "Iraq's"
        surface = surface[:-2]
    capital = surface[:1].isupper() or _prefixed_capital(surface)
    return _Word(start, start + len(surface), fold(surface), capital)


def _prefixed_capital(surface: str) -> bool:
    """ "al-Shabaab", "el-Fasher", "ad-Dawla": an article prefix before a capital."""
    hyphen = surface.find("-")
    return 0 < hyphen <= 3 and surface[:hyphen].islower() and surface[hyphen + 1 : hyphen + 2].isupper()


def _trimmed(run: list[_Word]) -> list[_Word]:
    """The run without openers and links at its edges, nor a leading plain word before a link: "Troops of the
    Nuba Defence Forces" is about "Nuba Defence Forces", while "Ministry of …" keeps its head."""
    start, end = 0, len(run)
    while start < end and (_opener(run[start]) or _before_link(run, start, end)):
        start += 1
    while end > start and not run[end - 1].capital:
        end -= 1
    return run[start:end]


def _names(text: str, run: list[_Word]) -> list[Shaped]:
    """The shaped names of one run: cut at titles ("Army Chief …", but not "General Assembly"), then
    head-initial or head-final."""
    names: list[Shaped] = []
    piece: list[_Word] = []
    for i, word in enumerate([*run, None]):
        follows = run[i + 1].key if word is not None and i + 1 < len(run) else ""
        if word is None or (word.key in _TITLES and follows not in HEAD_FINAL):
            for part in _parts(piece):
                if not _shouting(part, text):
                    names += _split_names(_trimmed(part))
            piece = []
        else:
            piece.append(word)
    return names


def _parts(piece: list[_Word]) -> list[list[_Word]]:
    """The piece, or a piece too long to be one name cut at every "and" (its parts still longer are dropped)."""
    if len(piece) <= _MAX_WORDS:
        return [piece]
    parts: list[list[_Word]] = [[]]
    for word in piece:
        if word.key in _AND:
            parts.append([])
        else:
            parts[-1].append(word)
    return [part for part in parts if 0 < len(part) <= _MAX_WORDS]


def _shouting(words: Sequence[_Word], text: str) -> bool:
    """Most words in capitals ("WE HAVE A DATE FOR THE RELEASE OF …"): capitals say nothing there."""
    loud = sum(1 for w in words if w.end - w.start > 1 and text[w.start : w.end].isupper())
    return loud * 2 > len(words)


def _split_names(words: list[_Word]) -> list[Shaped]:
    """The names of a piece, which may be two joined by "and": cut there when the words before it are a name
    by themselves ("Kata'ib Hezbollah and Harakat al-Nujaba"), or the words after it begin with "the" or a
    romanised head; "Jammu and Kashmir Police" stays one."""
    for k, word in enumerate(words):
        if word.key in _AND and 0 < k < len(words) - 1:
            left, right = words[:k], words[k + 1 :]
            name = _name(left)
            whole = name is not None and name.end == left[-1].end
            if whole or right[0].key == "the" or _head(right[0].key.split()[0], HEAD_INITIAL):
                return ([name] if name is not None else []) + _split_names(_trimmed(right))
    name = _name(words)
    return [name] if name is not None else []


def _name(words: Sequence[_Word]) -> Shaped | None:
    return _initial(words) or _final(words)


def _initial(words: Sequence[_Word]) -> Shaped | None:
    """From the first romanised head word that leads a name ("Jaish al-Adl", "Tehreek-e-Insaf") to the end of
    the run; or the whole run if an English head leads through "of"/"for" ("Popular Front for …")."""
    for j, word in enumerate(words):
        parts = word.key.split()
        if not parts:
            continue
        if _head(parts[0], HEAD_INITIAL) and (len(parts) > 1 or j + 1 < len(words)):
            return Shaped(word.start, words[-1].end, False)
        if j == 0 and parts[0] in _PLURAL_ARTICLES and len(words) > 1 and words[1].capital:
            return Shaped(word.start, words[-1].end, False, article=True)
        if parts[-1] in HEAD_FINAL and j + 2 < len(words) and words[j + 1].key in HEAD_INITIAL_LINKS:
            return Shaped(words[0].start, words[-1].end, False)  # "Court of Appeal", "Union for Peace"
    return None


def _final(words: Sequence[_Word]) -> Shaped | None:
    """The run up to its last head word, if a capitalised modifier comes before it."""
    for last in range(len(words) - 1, 0, -1):
        key = words[last].key.split()[-1] if words[last].key else ""
        if words[last].capital and key in HEAD_FINAL:
            first = _after_owner(words, last)
            if any(w.capital and w.key not in _OPENERS for w in words[first:last]):
                return Shaped(words[first].start, words[last].end, key in WEAK_HEADS)
            return None
    return None


def _after_owner(words: Sequence[_Word], last: int) -> int:
    """Where a head-final name begins after "… of (the)" when no head word comes before that "of": in "Basit
    Ahmad Dar of the Resistance Front" the name is "Resistance Front"; "Council of the Kivu Union" stays whole."""
    of = max((i for i in range(1, last) if words[i].key == "of"), default=0)
    if of == 0 or any(_is_head(w.key) for w in words[:of]):
        return 0
    first = of + 1
    while first < last and words[first].key == "the":
        first += 1
    return first


def _opener(word: _Word) -> bool:
    return word.key in _OPENERS or not word.capital


def _before_link(run: list[_Word], start: int, end: int) -> bool:
    """A plain word, or a plural head ("Fighters of", "Forces of the Southern … Council"), before a link."""
    if start + 1 >= end or run[start + 1].key not in _LINKS - _AND:
        return False
    key = run[start].key
    return not _is_head(key) or (key.endswith("s") and not _head(key, HEAD_INITIAL))


def _is_head(key: str) -> bool:
    last = key.split()[-1] if key else ""
    return last in HEAD_FINAL or _head(key.split()[0] if key else "", HEAD_INITIAL)


@lru_cache(maxsize=65536)
def _head(key: str, heads: frozenset[str]) -> bool:
    if key in heads:
        return True
    return any(key.endswith(fused) and key[: -len(fused)] in heads for fused in _FUSED if len(key) > len(fused) + 2)


def title_cased(text: str) -> bool:
    """Whether most words of ``text`` are capitalised, as in many headlines: there a capital says nothing."""
    words = [w for w in _WORD.findall(text) if w.casefold() not in _LINKS]
    return len(words) >= 3 and sum(w[:1].isupper() for w in words) * 4 >= len(words) * 3
