"""Organisations the model alone found that the text shows to be something else (issue 14, UNER ORG precision):
acronyms of documents and names in title-cased headings (services/extractor/doubts.py, through build_entities),
abbreviations of things and file names (nonnames.py ``no_name``), one-word ORGs the text also writes in lowercase
(nonnames.py ``common_word``, through orgspans.apply_shapes). Names and sentences are invented."""

from __future__ import annotations

import pytest

from wirewatch.services.extractor.memory import RegistryMemory
from wirewatch.services.extractor.merging import build_entities
from wirewatch.services.extractor.orgspans import apply_shapes
from wirewatch.services.extractor.records import registry_key
from wirewatch.services.extractor.spans import Candidate


def orgs(text: str, *surfaces: str, memory: RegistryMemory | None = None) -> list[str]:
    """Names of the ORG entities built from model ORG candidates at every occurrence of ``surfaces``."""
    candidates = []
    for surface in surfaces:
        start = text.find(surface)
        while start != -1:
            candidates.append(Candidate(start, start + len(surface), "ORG", "ORG"))
            start = text.find(surface, start + len(surface))
    candidates.sort(key=lambda c: c.start)
    known = memory.knows if memory is not None else None
    return sorted(e.name for e in build_entities(text, candidates, known=known) if e.type == "ORG")


# 1. acronyms of documents ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Attached is a revised copy of the QLTA Agreement. Please send your comments on the QLTA.",
        "Here is the draft of the VRMO guaranty for Thursday.",
        "Files attached:\n- BRANDEX-KPO (QLTA rev2).doc\n",
        "We tied the calls to the ZPTA delivery term.",
        "I drafted a first effort at a revised WKVA offer letter.",
    ],
)
def test_an_acronym_that_names_a_document_is_dropped(text: str) -> None:
    acronym = next(word for word in ("QLTA", "VRMO", "ZPTA", "WKVA") if word in text)
    assert orgs(text, acronym) == []


@pytest.mark.parametrize(
    ("text", "acronym"),
    [
        # a mention that acts, owns, is dealt with, defined in parentheses, or ends its phrase after "the"
        ("The ZKB said on Monday it would sign. The ZKB Agreement is ready.", "ZKB"),
        ("The draft is the ZKB's. Send the ZKB Agreement back.", "ZKB"),
        ("She told ZKB the news. The ZKB contract is signed.", "ZKB"),
        ('Marrow Power Source, Inc. ("MPS") signed. The MPS Agreement is attached.', "MPS"),
        ("NIVERA (AFP) - Talks went on. The AFP draft was filed.", "AFP"),
        ("The ZKB, backed by donors, agreed. The ZKB contract is signed.", "ZKB"),
        # listed with an organisation the model found
        ("Velnovo Corp., Ardwick Holdings and ZKB signed. The ZKB contract is ready.", "ZKB"),
        # no document's word anywhere: the model's ORG stands
        ("Attached is an image of the ZKB.", "ZKB"),
    ],
)
def test_an_acronym_with_a_sign_of_a_body_stays(text: str, acronym: str) -> None:
    others = [name for name in ("Velnovo Corp.", "Ardwick Holdings") if name in text]
    assert acronym in orgs(text, acronym, *others)


def test_a_document_acronym_the_registry_knows_stays() -> None:
    text = "Here is the draft of the VRMO guaranty for Thursday."
    key = registry_key("VRMO")
    assert key is not None
    assert orgs(text, "VRMO", memory=RegistryMemory(snapshot={key: "ORG"})) == ["VRMO"]
    assert orgs(text, "VRMO", memory=RegistryMemory(snapshot={})) == []


def test_a_document_acronym_defined_in_the_text_stays() -> None:
    text = "The Quorn Loan Trust Association (QLTA) met. The QLTA Agreement was signed."
    name = "Quorn Loan Trust Association"
    candidates = [Candidate(text.index(name), text.index(name) + len(name), "ORG", "ORG")]
    candidates += [Candidate(i, i + 4, "ORG", "ORG") for i in (text.index("QLTA"), text.rindex("QLTA"))]
    (entity,) = build_entities(text, candidates)
    assert (entity.name, entity.aliases, entity.count) == (name, ["QLTA"], 3)


# 2. names in title-cased headings ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("Lovely Garden Fun and Bonding\nWe went there with the kids and loved it.", "Lovely Garden Fun"),
        ("Services: Media, Web Outreach, Brand Growth, Content Writing.\nCall us today.", "Web Outreach"),
        ("August 3, 2001\nFerro Tap 85.000 / KPL IFERC ; 20.000 / Velnovo\nThat was all.", "Ferro Tap"),
    ],
)
def test_a_name_only_in_title_cased_lines_is_dropped(text: str, surface: str) -> None:
    assert surface not in orgs(text, surface)


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        # a body's head word or legal form ends the name
        (
            "Lovely Garden Fun and Bonding Association\nWe went there with the kids.",
            "Garden Fun and Bonding Association",
        ),
        ("Thanks For Your Help, Ardwick Holdings Ltd\nRegards.", "Ardwick Holdings Ltd"),
        # one word: "Velnovo" in a table row is a company
        ("August 3, 2001\nFerro Tap 85.000 / KPL IFERC ; 20.000 / Velnovo\nThat was all.", "Velnovo"),
        # one mention in running text is enough
        ("Lovely Garden Fun and Bonding\nWe first met Garden Fun at the fair in town.", "Garden Fun"),
        # not a title-cased line
        ("We went to see Garden Fun at the fair in town last week.", "Garden Fun"),
    ],
)
def test_a_heading_name_with_evidence_stays(text: str, surface: str) -> None:
    assert surface in orgs(text, surface)


def test_a_heading_name_the_registry_knows_stays() -> None:
    text = "Lovely Garden Fun and Bonding\nWe went there with the kids and loved it."
    key = registry_key("Lovely Garden Fun")
    assert key is not None
    assert orgs(text, "Lovely Garden Fun", memory=RegistryMemory(snapshot={key: "ORG"})) == ["Lovely Garden Fun"]


# 3. abbreviations of things, file names, one-word ORGs written lowercase elsewhere ---------------------------------
def kept(text: str, *surfaces: str) -> list[str]:
    candidates = [Candidate(text.index(s), text.index(s) + len(s), "ORG", "ORG") for s in surfaces]
    return [text[c.start : c.end] for c in apply_shapes(text, sorted(candidates, key=lambda c: c.start))]


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("Ever since the rumours about Velnovo's IPO, investors waited.", "IPO"),
        ("Could somebody in the HR department mark my leave?", "HR"),
        ("Please see the attached file:\n- Quarterly Outlook.ppt\n", "Quarterly Outlook.ppt"),
        ("- Ardwick Summary.doc\n", "Ardwick Summary"),  # the extension right after the span
    ],
)
def test_abbreviations_of_things_and_file_names_are_dropped(text: str, surface: str) -> None:
    assert kept(text, surface) == []


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("Marble is a stone the builders love. They cut the marble by hand.", "Marble"),
        ("Which do you prefer, Lentil or bean? I like lentil soup best.", "Lentil"),
    ],
)
def test_a_one_word_org_the_text_writes_lowercase_is_dropped(text: str, surface: str) -> None:
    assert kept(text, surface) == []


@pytest.mark.parametrize(
    ("text", "surfaces"),
    [
        # capitalised more often than lowercase: a name ("to quorbit" once, "Quorbit" twice)
        ("Quorbit hired him. Quorbit grew fast. Nobody says to quorbit a file.", ("Quorbit", "Quorbit")),
        # an organisation cue around it
        ("Fighters of the militia Marble attacked. The marble quarry closed.", ("Marble",)),
        # written lowercase only inside an address
        ("Velnovo said so. Write to sales@velnovo.example or see velnovo.example.", ("Velnovo",)),
    ],
)
def test_a_one_word_org_with_evidence_stays(text: str, surfaces: tuple[str, ...]) -> None:
    candidates = []
    start = 0
    for surface in surfaces:
        start = text.index(surface, start)
        candidates.append(Candidate(start, start + len(surface), "ORG", "ORG"))
        start += len(surface)
    found = [text[c.start : c.end] for c in apply_shapes(text, candidates)]
    assert surfaces[0] in found
