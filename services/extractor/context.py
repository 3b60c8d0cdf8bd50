"""Context: the words around a name that say whether it is a person or an organisation.

Three kinds of evidence, read by :mod:`.merging` for each group of mentions of one name:

* :func:`cue` — apposition and predicate cues next to one mention: "the militia X", "members of X",
  "X fighters", "X's armed wing", "X, the group that …", "X, which claimed …" say ORG; "Mr./Gen./Sheikh X",
  "X, 45,", "X said he", "X, who …", "X, the group's spokesman" say PERSON.
* :func:`source_keys` / :func:`is_source` — the article's own outlet (its feed or site name, or its host)
  is an organisation when the text names it.
* :func:`chains` — names in one list ("groups including X, Y and Z", "X, Y and Z have …") share a type
  unless one has strong evidence of its own; a kind of place introducing it ("rivers such as X, Y and Z",
  :func:`list_kind`) makes them places, a kind of person ("historians such as X and Y") persons.

:func:`vote` weighs a group's evidence against the model's type. Every pattern is anchored at the mention's
edge and looks at a bounded window, so a cue costs the same whatever the length of the text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from wirewatch.services.extractor.normalise import fold

_WINDOW = 80
#: what the cues of persons and places read before a name: their longest phrase is under 30 characters
_NEAR_WINDOW = 40
_MAX_GAP = 12  # ", and " with room for odd spacing; a longer gap joins no list
_BODY = (
    r"(?:group|militia|movement|faction|party|organi[sz]ation|network|alliance|coalition|outfit|cartel|gang"
    r"|club|team|side|squad)"
)
_ORG_BEFORE = re.compile(
    rf"(?:\b(?:the|a|an)\s+(?:[\w-]+\s+)?{_BODY}s?\s+(?:(?:like|such\s+as|called|named)\s+)?"
    r"|\b(?:members?|fighters|militants|ranks|commanders|founders?|leadership|wing)\s+of\s+(?:the\s+)?"
    # a kind of company right before the name: "imaging company Keyhole", "the film company (Athina Film)"
    r"|(?<![\w-])(?-i:company|firm|startup|band|newspaper|magazine|website|retailer|airline|broadcaster|publisher)"
    r"[ ]\(?)$",
    re.IGNORECASE,
)
_MEMBERS = (
    r"(?:militias?|militiamen|militants|rebels|insurgents|fighters|gunmen|operatives|cadres|cells|gangs?|remnants"
    # a ruling house or a realm named by its dynasty: "the Qing dynasty", "the Habsburg empire"
    r"|dynasty|empire)"
)
_ORG_AFTER = re.compile(
    rf"(?:\s+(?:{_MEMBERS}|group|faction|movement|coalition)\b"
    # a member named after the body's name: "Al-Zawraa goalkeeper Hussein Karim", "Hamas commander Ali Kadi"
    r"|\s+(?-i:(?:coach|manager|goalkeeper|striker|midfielder|defender|winger|captain|commander|co-founder)"
    r"\s+[A-Z])"
    r"|['’]s?\s+(?:armed|military|political)\s+wing\b"
    r"|['’]s?\s+(?:ranks|leadership|members|fighters|militants)\b"
    rf"|,\s+(?:the|a|an)\s+(?:[\w-]+\s+){{0,3}}?{_BODY}s?\b(?!['’])"
    r"|,?\s+which\s+(?:controls|claimed|has\s+claimed|denied|is\s+backed|was\s+founded|operates|fights|is\s+designated))",
    re.IGNORECASE,
)
# A collective agreeing with a plural verb ("Al-Shorta, who have won the title"), unless it ends a list ("Ali
# and Huda, who are …").
_COLLECTIVE_AFTER = re.compile(r",\s+who\s+(?:have|are)\b")
_AND_BEFORE = re.compile(r"(?:\band|&|,)\s*$")
_OCCUPATION = (
    r"(?:assistant|adviser|advisor|aide|spokes(?:man|woman|person)|lawyer|attorney|reporter|correspondent"
    r"|analyst|professor|researcher|economist|editor|author|novelist|actor|actress|singer|impersonator|coach"
    r"|striker|midfielder|goalkeeper|cleric|preacher|judge|prosecutor|activist|journalist|photographer"
    r"|founder|leader|commander|envoy|ambassador|senator|governor|mayor|minister|president"
    r"|emperor|empress|king|queen|pope|pharaoh|sultan|historian|poet|painter|composer|philosopher|physicist"
    r"|chemist|playwright|explorer|director|producer|owner|hairdresser|doctor|nurse|teacher|student|farmer"
    r"|engineer|soldier|officer|surgeon|priest|nun|businessman|businesswoman|politician|musician|dancer)"
)
_PERSON_BEFORE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Maj|Capt|Sgt|Sheikh|Sheik|Mullah|Imam|Ayatollah|Brig|Cmdr)\.?\s+$"
    # kin in apposition ("his wife, X"), or an occupation written lowercase right before the name
    r"|\b(?:wife|husband|son|daughter|brother|sister|father|mother|widow|widower|cousin|uncle|aunt|nephew|niece),\s+$"
    rf"|\b{_OCCUPATION}\s+$"
    # a byline: "By X" opening a line
    r"|(?:^|\n)[ \t]*(?-i:By)\s+$"
)
_PERSON_AFTER = re.compile(
    r"(?:,\s+\d{1,3},"
    r"|\s+(?:said|says|told|added)\s+(?:he|she|his|her)\b"
    r"|,\s+who\b"
    # what only a person has or does: "X's childhood", "X was born", "X married"
    r"|['’]s?\s+(?:life|career|childhood|wife|husband|widow|death|funeral|birth|memoirs?|autobiography|biography)\b"
    r"|\s+(?:was\s+born|died|married|graduated)\b"
    # an occupation as the predicate: "X is a hairdresser", "X was an engineer"
    rf"|\s+(?:is|was)\s+an?\s+(?:[\w-]+\s+)?{_OCCUPATION}\b"
    r"|,\s+(?:the\s+)?(?:[\w'’-]+\s+){0,2}?(?:spokes(?:man|woman|person)|leader|commander|chief|founder|minister)\b)",
    re.IGNORECASE,
)
# A place's preposition or relation before the name: "marched into X", "south of the X", "the border with X", "the
# town of X", "residents of X". Plain
# "in", "at" and "from" are left out: people work "at" and come "from" organisations.
_PLACE_BEFORE = re.compile(
    r"\b(?:into|across|throughout|towards?|near|around|past|beyond|(?:north|south|east|west)(?:east|west)?\s+of"
    r"|(?:city|town|village|province|region|district|governorate|county|outskirts|suburbs?|residents)\s+of"
    r"|border\s+with|borders\s+of"
    # written lowercase: a feature's kind before its name ("the river Nestus", "the pass of Thermopylae"), a realm
    # ("the state of X", "the kingdom of X") or a title held of a place ("Countess of X", "Archbishop of X")
    r"|(?-i:river|lake|mount|island)"
    r"|(?-i:pass|state|kingdom|emirate|capital|island|valley|plain)\s+of"
    r"|(?-i:Duke|Duchess|Earl|Count|Countess|Marquess|Baron|Prince|Princess|King|Queen|Emperor|Bishop|Archbishop)"
    r"\s+of)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
# "in X", "at X": weak (people work "at" a company, Congress sits "in" session), so only ever against the model's
# PERSON, never after a noun people put their trust in ("confidence in X").
_IN_BEFORE = re.compile(
    r"(?<!confidence )(?<!faith )(?<!trust )(?<!belief )(?<!interest )(?<!role )"
    r"\b(?:in|at)\s+(?:(?:the\s+)?(?:north|south|east|west|central)(?:ern)?\s+)?$"
)
# The last word each of the four searches above can end on, before its trailing whitespace, built from the same
# words: a window whose last word is none of them is not searched (see _may_end).
_ORG_LAST = re.compile(
    rf"{_BODY}s?|the|a|an|like|as|called|named|of|company|firm|startup|band|newspaper|magazine|website|retailer"
    r"|airline|broadcaster|publisher",
    re.IGNORECASE,
)
_PERSON_LAST = re.compile(
    rf"Mr|Mrs|Ms|Dr|Gen|Lt|Col|Maj|Capt|Sgt|Sheikh|Sheik|Mullah|Imam|Ayatollah|Brig|Cmdr|{_OCCUPATION}|By"
)
_PLACE_LAST = re.compile(
    r"into|across|throughout|towards?|near|around|past|beyond|of|with|river|lake|mount|island|the", re.IGNORECASE
)
_IN_LAST = re.compile(r"in|at|the|(?:north|south|east|west|central)(?:ern)?")
_MANY_MENTIONS = 4  # from this many mentions, bare "in" cues must be on most of them to make a place
_POSSESSIVE_AFTER = re.compile(r" ?['’]")  # "in X's house", and "in X 's house" as some corpora tokenize it
_NAMED_BY_MEMBERS = re.compile(rf"(?<![\w'’-])([A-Z][\w'’-]*(?:[ ][A-Z][\w'’-]*){{0,2}})[ ]{_MEMBERS}\b")
# What every match of _NAMED_BY_MEMBERS holds: most texts have no such word, and this scan costs a fifth of that one
_MEMBERS_WORD = re.compile(rf"[ ]{_MEMBERS}\b")
_OPENERS = frozenset({"the", "a", "an", "some", "several", "many", "two", "three", "former", "suspected"})
_ADJECTIVE_ENDINGS = ("i", "ist", "ists", "ish", "ian", "ians", "ese", "ic", "ern")
_ADJECTIVES = frozenset({"arab", "afghan", "armed", "rival", "local", "foreign", "government", "allied"})
_LIST_GAP = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+")
# "the Rhine, the Inn and the Po": "the" in the gaps of a list whose first name has it too (not "Gimbi and Nekemte,
# the Human Rights Commission", an apposition)
_LIST_GAP_THE = re.compile(r"(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+)[Tt]he\s+")
_THE_BEFORE = re.compile(r"(?<![\w-])[Tt]he\s+$")
_LIST_TRIGGER = re.compile(
    r"\b(?:groups|militias|factions|organi[sz]ations|movements|parties|outfits|cartels|gangs|companies|firms"
    r"|corporations|brands|retailers|airlines|banks|agencies|outlets|newspapers|broadcasters|clubs|teams|bands)\s*"
    r"(?:,\s*)?(?:such\s+as|including|like|include|included|includes|among\s+them|:)\s*(?:the\s+)?$",
    re.IGNORECASE,
)
# A list introduced by a kind of place: "rivers such as X, Y and Z", "cities like …", "countries including …".
# "Such as" and "including" may come a few words later: "rivers flow from Switzerland, such as the Rhine, …".
_PLACE_LIST_TRIGGER = re.compile(
    r"\b(?:cities|towns|villages|countries|nations|provinces|regions|districts|governorates|counties|states"
    r"|territories|islands|rivers|lakes|seas|mountains|capitals|ports|neighbou?rhoods|municipalities)\b"
    r"(?:\s*(?:,\s*)?(?:like|include|included|includes|among\s+them)"
    r"|[^.;:!?\n]{0,40}?(?:such\s+as|including))\s*(?:the\s+)?$",
    re.IGNORECASE,
)
# … and one introduced by a kind of person: "historians such as X and Y", "leaders including …".
_PERSON_LIST_TRIGGER = re.compile(
    r"\b(?:historians|scholars|writers|authors|poets|novelists|artists|painters|composers|musicians|singers|actors"
    r"|actresses|players|politicians|leaders|figures|scientists|philosophers|critics|journalists|presidents"
    r"|ministers|generals|commanders)\b"
    r"(?:\s*(?:,\s*)?(?:like|include|included|includes|among\s+them)"
    r"|[^.;:!?\n]{0,40}?(?:such\s+as|including))\s*$",
    re.IGNORECASE,
)
_GENERIC_TAIL = frozenset({"english", "arabic", "news", "online", "tv", "international", "com", "net", "org"})


def named_by_members(text: str) -> list[tuple[int, int]]:
    """Capitalised names the words after them make a group's: "Fano militia", "M23 rebels", "Daesh cells".

    Demonyms and other adjectives ("Somali", "Islamist", "Kurdish", "Christian", "Islamic") name no group.
    """
    if _MEMBERS_WORD.search(text) is None:
        return []
    found = []
    for match in _NAMED_BY_MEMBERS.finditer(text):
        words = match.group(1).split()
        while words and words[0].casefold() in _OPENERS:
            words = words[1:]
        last = words[-1].casefold() if words else ""
        if last and not last.endswith(_ADJECTIVE_ENDINGS) and last not in _ADJECTIVES:
            end = match.end(1)
            found.append((end - len(" ".join(words)), end))
    return found


# "the CPA", "the RSPB": a short all-capitals name after "the", standing as a noun (punctuation, a possessive, a verb
# — a past tense among them — or a preposition follows; "the HR department", "the US government" use it as a
# modifier), is a body's. "The" must follow no word character nor hyphen: checked on each match rather than by a
# lookbehind, which would make the scan try every position of the text instead of only each "T" and "t".
_THE_ACRONYM = re.compile(
    r"[Tt]he[ ]([A-Z][A-Z&]{1,5})(?=['’]s\b|[ ]?[.,;:!?)]|[ ](?:has|have|had|is|was|were|are|said|says|will"
    r"|would|could|should|may|might|can|did|does|get|got|took|made|sent|denies|and|or|in|on|of|to|for|with|at|that"
    r"|which|who|[a-z]{2,}ed)\b)"
)


# A lowercase noun of a kind of body right before a capitalised name: "satellite imaging company Keyhole", "the film
# company (Athina Film)", "the rebel group Naga Tide".
_KIND_BEFORE = re.compile(
    r"(?<![\w-])(?:company|firm|startup|band|newspaper|magazine|website|retailer|airline|broadcaster|publisher"
    r"|group|militia|movement|faction|party|cartel|gang)[ ]\(?"
    r"([A-Z][\w'’&-]*(?:[ ][A-Z][\w'’&-]*){0,3})(?![\w'’&-])"
)
_NOT_NAMES_TEXT = """
    i he she it we they you this that these those the a an monday tuesday wednesday thursday friday saturday
    sunday january february march april may june july august september october november december
"""
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())


def named_after_kind(text: str) -> list[tuple[int, int]]:
    """Capitalised names a lowercase noun of a kind of body right before them makes an organisation's: "imaging
    company Keyhole", "the film company (Athina Film)". Pronouns, days and months are no names."""
    found = []
    for match in _KIND_BEFORE.finditer(text):
        if match.group(1).split()[0].casefold() not in _NOT_NAMES:
            found.append(match.span(1))
    return found


def named_acronyms(text: str) -> list[tuple[int, int]]:
    """Short all-capitals names "the" makes a body's: "the CPA has", "staffed the CPA with", "the RSPB's stance".

    Not in shouted text (most of the line around it in capitals, looked at within ``_WINDOW`` characters on
    each side, so a match costs the same whatever the length of the line), where capitals say nothing."""
    found = []
    for match in _THE_ACRONYM.finditer(text):
        if match.start() > 0 and _word_character(text[match.start() - 1]):
            continue
        if not shouted(line_around(text, match.start(), match.end())):
            found.append(match.span(1))
    return found


def line_around(text: str, start: int, end: int, reach: int = _WINDOW) -> str:
    """The line of ``text[start:end]``, cut to ``reach`` characters on each side (so that looking at it costs
    the same whatever the length of the line)."""
    left, right = max(start - reach, 0), min(end + reach, len(text))
    line_start = text.rfind("\n", left, start) + 1 or left
    line_end = text.find("\n", end, right)
    return text[line_start : line_end if line_end != -1 else right]


def shouted(line: str) -> bool:
    """At least half of the letters of ``line`` are capitals: there, capitals say nothing."""
    letters = [ch for ch in line if ch.isalpha()]
    return sum(ch.isupper() for ch in letters) * 2 >= len(letters)


def _word_character(ch: str) -> bool:
    """A character the regex word class matches (a letter, digit or underscore), or a hyphen."""
    return ch.isalnum() or ch in "_-"


def listed_bodies(
    text: str, typed: Sequence[tuple[int, int, str]], untyped: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The ``untyped`` names (capitalised runs the model left alone) listed with organisations: in a list ("X, Y
    and Z") holding at least two ``typed`` names, all of them ORG, or introduced as organisations ("companies such
    as"), the others are organisations too ("Spotify, Tesla, Quorbit and Snapchat"). ``typed`` spans are (start,
    end, type); neither sequence overlaps the other."""
    items = sorted([*typed, *((start, end, "") for start, end in untyped)])
    found: list[tuple[int, int]] = []
    for chain, introduced in chains(text, [(start, end) for start, end, _ in items]):
        types = [items[i][2] for i in chain if items[i][2]]
        if introduced or (len(types) >= 2 and all(t == "ORG" for t in types)):
            found += [(items[i][0], items[i][1]) for i in chain if not items[i][2]]
    return found


def cue(text: str, start: int, end: int) -> str | None:
    """``"ORG"``, ``"PERSON"``, ``"LOC"`` or ``None``: what the words right around ``text[start:end]`` say it is.
    ``"LOC"`` (a place's preposition, "into X") is given only when nothing else speaks and no possessive
    follows."""
    return _cue(text, start, end, weak=False)


def evidence(text: str, start: int, end: int) -> str | None:
    """:func:`cue`, or ``"IN"`` for a bare "in"/"at" before the name: place evidence against the model's PERSON
    only (:func:`vote`), since organisations are "at" and "in" too."""
    return _cue(text, start, end, weak=True)


def _cue(text: str, start: int, end: int, *, weak: bool) -> str | None:
    before = text[max(start - _WINDOW, 0) : start]
    after = text[end : end + _WINDOW]
    if _COLLECTIVE_AFTER.match(after) and not _AND_BEFORE.search(before):
        return "ORG"  # its ", who" is no person's
    org_before = _may_end(_last_word(before), _ORG_LAST) or before.endswith("(")  # "the film company (Athina Film)"
    org = (org_before and bool(_ORG_BEFORE.search(before))) or bool(_ORG_AFTER.match(after))
    near = before[-_NEAR_WINDOW:]  # the shorter cues need no more (a "$"-anchored search costs its window)
    last = _last_word(near)
    person = (_may_end(last, _PERSON_LAST) and bool(_PERSON_BEFORE.search(near))) or bool(_PERSON_AFTER.match(after))
    if org != person:
        return "ORG" if org else "PERSON"
    if org or _POSSESSIVE_AFTER.match(after):
        return None
    if _may_end(last, _PLACE_LAST) and _PLACE_BEFORE.search(near):
        return "LOC"
    return "IN" if weak and _may_end(last, _IN_LAST) and _IN_BEFORE.search(near) else None


def _last_word(window: str) -> str | None:
    """The word a cue search anchored at the end of ``window`` may end on: ``None`` when no whitespace ends the
    window (no cue ends there), ``""`` when punctuation comes before that whitespace ("Gen. ", "his wife, "),
    else the last run of word characters. Read once per window for the four cue searches."""
    stripped = window.rstrip()
    if len(stripped) == len(window):
        return None
    start = len(stripped)
    while start > 0 and (stripped[start - 1].isalnum() or stripped[start - 1] == "_"):  # what \w matches
        start -= 1
    return stripped[start:]


def _may_end(word: str | None, last: re.Pattern[str]) -> bool:
    """Whether a cue search anchored at the end of a window whose :func:`_last_word` is ``word`` may match there:
    each such cue ends with whitespace after one of the words ``last`` matches (or after punctuation), and such
    a search tries every position of the window while this looks at its last word alone (a third of the
    extractor's cue time)."""
    return word is not None and (not word or last.fullmatch(word) is not None)


def vote(
    model_type: str,
    cues: Counter[str],
    *,
    shaped: bool,
    source: bool,
    place_shaped: bool = False,
    mentions: int = 1,
    other_votes: bool = False,
) -> tuple[str, str | None]:
    """The type of a group of mentions and what decided it (``None``: the model).

    The outlet's own name is ORG; a name shaped like an organisation's is ORG unless clearly more person cues
    than organisation ones say otherwise; one shaped like a place's (and not an organisation's) is LOC; the
    model's ORG with more place cues than others, or its PERSON with more place or bare "in" cues, is LOC; else
    the cues' majority; else the model. Only PERSON, ORG and LOC are ever changed.

    Bare "in" cues count only when no mention was called ORG or PRODUCT by the model (``other_votes``), and,
    for a name with many ``mentions``, before most of them: a product named often ("in Firefox" here and there)
    is no town the model missed.
    """
    if model_type not in ("PERSON", "ORG", "LOC"):
        return model_type, None
    if source:
        return "ORG", "source"
    person, org = cues["PERSON"], cues["ORG"]
    if place_shaped and not shaped:
        return "LOC", "shape"
    if model_type == "ORG" and not shaped and cues["LOC"] > org + person:
        return "LOC", "context"  # the model's ORG for a region or a river: "marched deep into X"
    bare_in = cues["IN"] if (mentions < _MANY_MENTIONS or cues["IN"] * 2 > mentions) and not other_votes else 0
    if model_type == "PERSON" and not shaped and cues["LOC"] + bare_in > org + person:
        return "LOC", "context"  # the model's PERSON for a town: "found himself in X"
    if shaped:
        return ("PERSON", "context") if person > org + 1 else ("ORG", "shape")
    if org != person:
        return ("ORG" if org > person else "PERSON"), "context"
    return model_type, None


def source_keys(source: str | None) -> frozenset[str]:
    """Keys (folded, spaces removed) under which the outlet ``source`` may be named in its own text:
    "Al Jazeera English" → {"aljazeeraenglish", "aljazeera"}; "www.reuters.com" → {"reuters"}."""
    if not source or not source.strip():
        return frozenset()
    name = source.strip()
    if " " not in name and "." in name:
        labels = [label for label in name.casefold().split(".") if label and label != "www"]
        name = labels[0] if labels else name
    words = fold(name).split()
    if words[:1] == ["the"]:
        words = words[1:]
    keys = {"".join(words)}
    if len(words) > 1 and words[-1] in _GENERIC_TAIL:
        keys.add("".join(words[:-1]))
    return frozenset(key for key in keys if len(key) >= 3)


def is_source(key: str, keys: frozenset[str]) -> bool:
    """Whether the group key (a :func:`~.normalise.match_key`) names the outlet."""
    return bool(keys) and key.replace(" ", "") in keys


def chains(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[list[int], bool]]:
    """Lists of names: the indices of ``spans`` (sorted, not overlapping) joined only by commas and
    "and"/"or", as chains of at least two; and whether a noun like "groups including" introduces it."""
    found: list[tuple[list[int], bool]] = []
    chain: list[int] = []
    for i, (start, _) in enumerate(spans):
        gap = spans[chain[-1]][1] if chain else start
        if chain and start - gap <= _MAX_GAP and _joined(text, gap, start, spans[chain[0]][0]):
            chain.append(i)
            continue
        if len(chain) >= 2:
            found.append((chain, _introduced(text, spans[chain[0]][0])))
        chain = [i]
    if len(chain) >= 2:
        found.append((chain, _introduced(text, spans[chain[0]][0])))
    return found


def _joined(text: str, gap: int, start: int, first: int) -> bool:
    if _LIST_GAP.fullmatch(text, gap, start):
        return True
    return bool(_LIST_GAP_THE.fullmatch(text, gap, start)) and bool(_THE_BEFORE.search(text, max(first - 6, 0), first))


def _introduced(text: str, start: int) -> bool:
    return _LIST_TRIGGER.search(text[max(start - _WINDOW, 0) : start]) is not None


def list_kind(text: str, start: int) -> str | None:
    """``"LOC"`` when a kind of place introduces the list starting at ``start`` ("rivers such as X, Y and Z"),
    ``"PERSON"`` when a kind of person does ("historians such as X and Y"), else ``None``."""
    before = text[max(start - _WINDOW, 0) : start]
    if _PLACE_LIST_TRIGGER.search(before):
        return "LOC"
    return "PERSON" if _PERSON_LIST_TRIGGER.search(before) else None
