"""Organisations too doubtful to keep: names the model alone called ORG that the text shows to be something else.

Both rules look at whole groups (every mention of one name in an article), after the type vote and the joins
(:mod:`.merging`), and leave alone a group that anything else typed (a watchlist or the shipped places, a cue, a
shape, the article's source, a list: its ``why`` is set), that is joined to another (an acronym and its
expansion) or that the entity registry knows (``known``, given a registry key).

:func:`doubtful_acronyms` — an all-capitals word of two to five letters that names a document, not a body: a
mention is followed by a document's word or goes on to a file's extension ("the GPSA Guaranty", "a GISB draft",
"the TVA offer letter", "ENRON-CPS (GISB rev1).doc"), and no other mention stands as a body's name:

* the subject of a verb or a possessive ("the PX comes back", "NATO said", "the BBC's");
* after a verb of dealing with a body ("told CNN", "joined NATO", "staffed the CPA");
* in parentheses after a name or in a dateline ('Power Source, Inc. ("CPS")', "BANGUI (AFP) -");
* "the X" ending its phrase ("The SDF, backed by …");
* an organisation cue (:func:`.context.cue`), shouted text (capitals say nothing there), or a list holding an
  organisation the model found ("Netscape, MAC and IBM").

:func:`doubtful_headings` — a name of two or more words, with no body's head word or legal form at its end, whose
every mention is in the text on a title-cased line ("Great Family Fun and Bonding", "Web Promotion, B2B, Business
Promotion, Search Engine Optimization", a table row "Teco Tap 85.000 / HPL IFERC"): a heading, a product or a menu
of services, where a capital says nothing. One-word names are left alone ("Enron" in a table row is a company).

Every test looks at a bounded window around a mention, so the cost is linear in the mentions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from wirewatch.services.extractor import context
from wirewatch.services.extractor.groups import Group, GroupedMention, group_type
from wirewatch.services.extractor.headwords import is_head
from wirewatch.services.extractor.normalise import fold
from wirewatch.services.extractor.records import registry_key
from wirewatch.services.extractor.shapes import title_cased

Known = Callable[[str], bool]
_WINDOW = 60
_ACRONYM = re.compile(r"[A-Z][A-Z&]{1,4}")
_DOCUMENT_AFTER = re.compile(
    r"[ ](?:(?:[Rr]evised|[Ss]igned|[Dd]raft)[ ])?(?:[Aa]greements?|[Cc]ontracts?|[Gg]uarant(?:y|ies|ee|ees)"
    r"|[Dd]rafts?|[Mm]emos?|[Oo]ptions?|[Aa]mendments?|[Aa]nnex|[Tt]emplates?|[Rr]ev\d*|[Dd]elivery|[Aa]ccount"
    r"|[Oo]ffer[ ][Ll]etter|[Rr]isk[ ][Mm]emo)\b"
)
# a file's name goes on to its extension on the same line: "ENRON-CPS (GISB rev1).doc"
_FILE_AFTER = re.compile(r"[^\n]{0,30}?\.(?:docx?|pptx?|xlsx?|pdf|txt|rtf)\b", re.IGNORECASE)
_VERBS = (
    r"(?:has|have|had|is|was|were|are|said|says|will|would|could|should|may|might|can|did|does|denied|denies"
    r"|announced|announces|reported|reports|claimed|claims|told|warned|wants|seems|intends|plans|agreed|called"
    r"|confirmed|issued|launched|owns|runs|comes|came|[a-z]{3,}ed)"
)
_ACTS_AFTER = re.compile(rf"[ ]?['’]s\b|[ ]{_VERBS}\b")
_DEALT_BEFORE = re.compile(r"\b(?:told|joined|leaving|left|staffed|running|ran|against)[ ](?:the[ ])?$", re.IGNORECASE)
_THE_BEFORE = re.compile(r"(?<![\w-])[Tt]he[ ]$")
_PHRASE_END = re.compile(r"[ ]?[,;)]")
_LEGAL_FORM = re.compile(r"\b(?:Inc|LLC|LLP|Ltd|PLC|Corp|Co|GmbH|AG|NV|BV)\b\.?")


def doubtful_acronyms(
    groups: Sequence[Group], text: str, title: str, defined: set[str], known: Known | None = None
) -> set[int]:
    """The ids of the groups that are acronyms of documents (see the module docstring). ``defined`` are the keys
    of the acronyms the article spells out."""
    candidates = [g for g in _lone(groups, known) if _acronym(g, defined)]
    if not candidates:
        return set()
    listed = _listed_with_bodies(groups, text, defined)
    doubtful: set[int] = set()
    for group in candidates:
        if id(group) in listed:
            continue
        mentions = [(title if m.in_title else text, m.start, m.end) for m in group.mentions]
        documents = [_document(*m) for m in mentions]
        if any(documents) and not any(_body(*m) for m, d in zip(mentions, documents, strict=True) if not d):
            doubtful.add(id(group))
    return doubtful


def doubtful_headings(groups: Sequence[Group], text: str, known: Known | None = None) -> set[int]:
    """The ids of the groups that are names in headings (see the module docstring)."""
    return {
        id(group)
        for group in _lone(groups, known)
        if group_type(group) == "ORG" and all(_in_heading(text, m) for m in group.mentions)
    }


def _lone(groups: Sequence[Group], known: Known | None) -> list[Group]:
    """The groups the model alone typed, joined to no other, that the registry does not know."""
    joined = {id(g.root()) for g in groups if g.head is not None}
    lone = []
    for group in groups:
        if group.head is not None or id(group) in joined or group.why is not None or group.entry_name is not None:
            continue
        if known is not None and (key := registry_key(group.mentions[0].surface)) is not None and known(key):
            continue
        lone.append(group)
    return lone


def _acronym(group: Group, defined: set[str]) -> bool:
    if group.key in defined or group_type(group) != "ORG":
        return False
    return all(m.candidate.tier == "model" and _ACRONYM.fullmatch(m.surface) for m in group.mentions)


def _listed_with_bodies(groups: Sequence[Group], text: str, defined: set[str]) -> set[int]:
    """The ids of groups with a mention in a list ("X, Y and Z") that holds an organisation other than an
    acronym the model alone typed."""
    in_text = sorted(((m, g) for g in groups for m in g.mentions if not m.in_title), key=lambda mg: mg[0].start)
    listed: set[int] = set()
    for chain, _ in context.chains(text, [(m.start, m.end) for m, _ in in_text]):
        members = [in_text[i][1] for i in chain]
        if any(group_type(g) == "ORG" and (g.why is not None or not _acronym(g, defined)) for g in members):
            listed.update(id(g) for g in members)
    return listed


def _document(text: str, start: int, end: int) -> bool:
    """The mention names a document: a document's word follows it, or a file's extension on its line."""
    return _DOCUMENT_AFTER.match(text, end, end + _WINDOW) is not None or bool(
        _FILE_AFTER.match(text, end, end + _WINDOW)
    )


def _body(text: str, start: int, end: int) -> bool:
    """Whether this mention stands as a body's name (see the module docstring)."""
    before, after = text[max(start - _WINDOW, 0) : start], text[end : end + _WINDOW]
    if _ACTS_AFTER.match(after) or _DEALT_BEFORE.search(before):
        return True
    if before.endswith(("(", '("', "(“")) and after.startswith((")", '")', "”)")):
        return True
    if _THE_BEFORE.search(before) and _PHRASE_END.match(after):
        return True
    return context.cue(text, start, end) == "ORG" or context.shouted(context.line_around(text, start, end, _WINDOW))


def _in_heading(text: str, mention: GroupedMention) -> bool:
    if mention.in_title or mention.candidate.tier != "model":
        return False
    words = mention.surface.split()
    if len(words) < 2 or is_head(fold(words[-1])) or _LEGAL_FORM.search(mention.surface):
        return False
    return title_cased(context.line_around(text, mention.start, mention.end, _WINDOW))
