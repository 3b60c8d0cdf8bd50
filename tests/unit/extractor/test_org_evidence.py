"""Organisations by evidence the model misses (issue 14, UNER dev part): a short all-capitals name standing as a
noun after "the", and company suffixes as head words. Names are invented."""

from __future__ import annotations

import pytest

from wirewatch.services.extractor.context import cue, named_acronyms, named_after_kind, named_by_members
from wirewatch.services.extractor.orgspans import apply_shapes
from wirewatch.services.extractor.shapes import shaped
from wirewatch.services.extractor.spans import Candidate


def acronyms(text: str) -> list[str]:
    return [text[start:end] for start, end in named_acronyms(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("How did the QRTA get to this point?", ["QRTA"]),
        ("The ministers staffed the QRTA with loyalists.", ["QRTA"]),
        ("The BWFS's stance angered farmers.", ["BWFS"]),
        ("Someone in the QRTA has sat down to think.", ["QRTA"]),
        ("Nobody trusted the QRTA appointed by the council.", ["QRTA"]),
        ("It was run by the ZKL, and nobody else.", ["ZKL"]),
    ],
)
def test_an_acronym_standing_as_a_noun_after_the_is_a_body(text: str, expected: list[str]) -> None:
    assert acronyms(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Ask somebody in the QR department to mark it.",  # a modifier of the noun after it
        "The QRTA Guarantee is attached.",  # part of a longer capitalised name
        "A QRTA official said so.",  # no "the"
        "WILL SOMEONE TELL THE QRTA TO STOP.",  # shouted: capitals say nothing
    ],
)
def test_no_acronym_body_where_it_is_a_modifier_or_shouted(text: str) -> None:
    assert acronyms(text) == []


def test_apply_shapes_adds_the_acronym_where_the_model_found_nothing() -> None:
    text = "Critics say the QRTA has failed, and the QRTA denies it."
    found = apply_shapes(text, [])
    assert [(text[c.start : c.end], c.type, c.why) for c in found] == [
        ("QRTA", "ORG", "context"),
        ("QRTA", "ORG", "context"),
    ]


def test_an_acronym_the_model_already_typed_is_left_alone() -> None:
    text = "Fighters of the Bexley Front attacked the BXF yesterday."
    start = text.index("BXF")
    model = Candidate(start, start + 3, "LOC", "GPE")
    found = apply_shapes(text, [model])
    assert [(text[c.start : c.end], c.type) for c in found if c.start == start] == [("BXF", "LOC")]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Landscapers from Halvorn Inc transformed the yard.", "Halvorn Inc"),
        ("She joined Quillmere Holdings Ltd last year.", "Quillmere Holdings Ltd"),
        ("The deal with Tarsk Capital LLC fell through.", "Tarsk Capital LLC"),
    ],
)
def test_a_company_suffix_is_an_organisation_head(text: str, name: str) -> None:
    assert [text[n.start : n.end] for n in shaped(text)] == [name]


def test_acronyms_on_one_huge_line_cost_linear_time() -> None:
    import time

    text = "They said the QRTA, and " * 40_000  # one line of ~1 MB, 40,000 matches
    started = time.perf_counter()
    assert len(named_acronyms(text)) == 40_000
    assert time.perf_counter() - started < 10  # quadratic would take minutes


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("The Velmor Revolt which began in 1802 changed everything.", "Velmor Revolt"),
        ("The Tarsk Crisis showed the limits of the old powers.", "Tarsk Crisis"),
        ("In 1918 the Quill-Harrow Treaty was signed.", "Quill-Harrow Treaty"),
        ("The victory at the Battle of Orlemont forced a retreat.", "Battle of Orlemont"),
        ("Please find the Brisk Turbine Contract attached.", "Brisk Turbine Contract"),
    ],
)
def test_an_event_or_a_document_the_model_calls_an_organisation_is_no_name(text: str, name: str) -> None:
    start = text.index(name)
    assert apply_shapes(text, [Candidate(start, start + len(name), "ORG", "ORG")]) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Analysts at the Vesper Crisis Group said so.", "Vesper Crisis Group"),  # a body by its head word
        ("Fighters of the Orlemont War Council met.", "Orlemont War Council"),
        ("The Treaty Alliance said so.", "Treaty Alliance"),
    ],
)
def test_a_body_named_after_an_event_stays(text: str, name: str) -> None:
    start = text.index(name)
    found = apply_shapes(text, [Candidate(start, start + len(name), "ORG", "ORG")])
    assert [(text[c.start : c.end], c.type) for c in found] == [(name, "ORG")]


def listed(text: str, typed: dict[str, str]) -> list[tuple[str, str]]:
    candidates = [Candidate(text.index(n), text.index(n) + len(n), t, t) for n, t in typed.items()]
    return [(text[c.start : c.end], c.type) for c in apply_shapes(text, candidates)]


def test_names_the_model_missed_in_a_list_of_organisations_are_organisations() -> None:
    text = "They have acquired Zentrix, Quorbit, Velanto Labs, Hask and Pindro this year."
    found = listed(text, {"Zentrix": "ORG", "Velanto Labs": "ORG"})
    assert found == [
        ("Zentrix", "ORG"),
        ("Quorbit", "ORG"),
        ("Velanto Labs", "ORG"),
        ("Hask", "ORG"),
        ("Pindro", "ORG"),
    ]


def test_a_list_introduced_as_companies_makes_its_missed_names_organisations() -> None:
    text = "Leaders of companies such as Zentrix, Quorbit and Pindro will attend."
    assert listed(text, {"Zentrix": "ORG"}) == [("Zentrix", "ORG"), ("Quorbit", "ORG"), ("Pindro", "ORG")]


@pytest.mark.parametrize(
    "typed",
    [
        {"Zentrix": "ORG"},  # one organisation says nothing of its neighbours
        {"Zentrix": "ORG", "Hask": "LOC"},  # a list of mixed types neither
    ],
)
def test_a_list_without_two_organisations_adds_nothing(typed: dict[str, str]) -> None:
    text = "We visited Zentrix, Quorbit and Hask last spring."
    assert [name for name, _ in listed(text, typed)] == list(typed)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Floods hit the coast\n\nBy Marla Quint / The Tarsk Herald\n\nResidents fled.", "Marla Quint"),
        ("By Marla Quint\nResidents fled.", "Marla Quint"),
        ("The owner Zerlina is welcoming.", "Zerlina"),
        ("Zerlina is a hairdresser and has just moved here.", "Zerlina"),
        ("Quint was a retired engineer.", "Quint"),
    ],
)
def test_a_byline_an_owner_and_an_occupation_as_predicate_are_person_cues(text: str, name: str) -> None:
    start = text.index(name)
    assert cue(text, start, start + len(name)) == "PERSON"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Rebels were pushed back by Zentrix forces.", "Zentrix"),  # "by" inside a sentence is no byline
        ("Zentrix is a company that makes drones.", "Zentrix"),
    ],
)
def test_no_person_cue_without_a_byline_or_an_occupation(text: str, name: str) -> None:
    start = text.index(name)
    assert cue(text, start, start + len(name)) != "PERSON"


def org_pieces(text: str, name: str) -> list[str]:
    import spacy

    from wirewatch.services.extractor.spans import model_candidates

    doc = spacy.blank("en")(text)
    start = text.index(name)
    doc.ents = [doc.char_span(start, start + len(name), label="ORG", alignment_mode="expand")]
    return [text[c.start : c.end] for c in model_candidates(doc, text, {})]


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("I settled the Zentrix/Quorbit lawsuit.", "Zentrix/Quorbit", ["Zentrix", "Quorbit"]),
        (
            "They took down Zentrix, Quorbit Systems and more.",
            "Zentrix, Quorbit Systems",
            ["Zentrix", "Quorbit Systems"],
        ),
        ("Invoices of Velt & Hask, LLP arrived.", "Velt & Hask, LLP", ["Velt & Hask, LLP"]),  # a legal form
        ("Quorbit Systems, Inc. replied.", "Quorbit Systems, Inc.", ["Quorbit Systems, Inc."]),
    ],
)
def test_a_model_organisation_is_split_at_a_slash_or_a_comma_between_names(
    text: str, name: str, expected: list[str]
) -> None:
    assert org_pieces(text, name) == expected


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("After the fall of the Velmor dynasty in 1911, the north declared independence.", "Velmor"),
        ("He became ruler of the Tarsk empire in 1519.", "Tarsk"),
    ],
)
def test_a_name_before_dynasty_or_empire_is_a_ruling_body(text: str, name: str) -> None:
    start = text.index(name)
    assert cue(text, start, start + len(name)) == "ORG"
    assert [text[s:e] for s, e in named_by_members(text)] == [name]


def test_an_empire_is_an_organisation_head() -> None:
    text = "The Velmorian Empire would lose its ports."
    assert [text[n.start : n.end] for n in shaped(text)] == ["Velmorian Empire"]


@pytest.mark.parametrize(
    ("text", "surface", "type_"),
    [
        ("Stayed here in May!\n\nWOW what views.", "WOW", "ORG"),
        ("Argentinian foods of course, LMAO.", "LMAO", "ORG"),
        ("VERYYYY!!!! Good repair men.", "VERYYYY", "ORG"),
        ("Always courteous!\n\nSoooo tasty!", "Soooo", "PERSON"),
    ],
)
def test_shouted_interjections_and_drawn_out_words_name_no_one(text: str, surface: str, type_: str) -> None:
    start = text.index(surface)
    assert apply_shapes(text, [Candidate(start, start + len(surface), type_, type_)]) == []


@pytest.mark.parametrize(
    ("text", "surface"), [("Edward IV and Richard III ruled.", "Richard III"), ("The WHO said.", "WHO")]
)
def test_roman_numerals_and_real_acronyms_stay(text: str, surface: str) -> None:
    start = text.index(surface)
    found = apply_shapes(text, [Candidate(start, start + len(surface), "PERSON", "PERSON")])
    assert [text[c.start : c.end] for c in found] == [surface]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("His artworks were shown in the Velmor Museum in 2002.", "Velmor Museum"),
        ("Cheap restaurants close to Quillon Hall in the city?", "Quillon Hall"),
        ("The wounded were taken to Tarsk Hospital overnight.", "Tarsk Hospital"),
        ("How about visiting the Brenmoor Botanical Gardens this week?", "Brenmoor Botanical Gardens"),
    ],
)
def test_a_facility_the_model_calls_an_organisation_is_a_place(text: str, name: str) -> None:
    from wirewatch.services.extractor.placeshapes import apply_place_shapes

    start = text.index(name)
    found = apply_place_shapes(text, [Candidate(start, start + len(name), "ORG", "ORG")], lambda _: False)
    assert [(text[c.start : c.end], c.type) for c in found] == [(name, "LOC")]


def test_a_person_named_hall_stays_a_person() -> None:
    from wirewatch.services.extractor.placeshapes import apply_place_shapes

    text = "I talked this morning with Tom Hall about it."
    start = text.index("Tom Hall")
    found = apply_place_shapes(text, [Candidate(start, start + 8, "PERSON", "PERSON")], lambda _: False)
    assert [(text[c.start : c.end], c.type) for c in found] == [("Tom Hall", "PERSON")]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Velmorian Marines moved into most of the town on Wednesday.", "Velmorian Marines"),
        ("The Tarsk Navy sent two frigates.", "Tarsk Navy"),
    ],
)
def test_marines_and_navy_are_organisation_heads(text: str, name: str) -> None:
    assert [text[n.start : n.end] for n in shaped(text)] == [name]


def test_a_club_mends_the_edges_of_a_model_organisation_only() -> None:
    text = "Have a look at Two Door Quill Club and others."
    start = text.index("Quill Club")
    found = apply_shapes(text, [Candidate(start, start + len("Quill Club"), "ORG", "ORG")])
    assert [(text[c.start : c.end], c.type) for c in found] == [("Two Door Quill Club", "ORG")]
    person = "Tea with Margaret Club today."  # a weak head takes no span from a person
    start = person.index("Margaret Club")
    kept = apply_shapes(person, [Candidate(start, start + len("Margaret Club"), "PERSON", "PERSON")])
    assert [c.type for c in kept] == ["PERSON"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Calls are now forwarded to Quint Harlow Motorsports down the road.", "Quint Harlow Motorsports"),
        ("She joined Velt Brenner Associates in May.", "Velt Brenner Associates"),
        ("Shares of Tarsk Holdings fell.", "Tarsk Holdings"),
    ],
)
def test_company_words_are_organisation_heads(text: str, name: str) -> None:
    start = text.index(name)
    found = apply_shapes(text, [Candidate(start, start + len(name), "PERSON", "PERSON")])
    assert [(text[c.start : c.end], c.type) for c in found] == [(name, "ORG")]


def test_a_plurals_possessive_apostrophe_stays_outside_the_name() -> None:
    text = "The success of Velmor Motors' compact models spurred rivals."
    assert [(text[c.start : c.end], c.type) for c in apply_shapes(text, [])] == [("Velmor Motors", "ORG")]


def test_a_cooperation_the_model_calls_an_event_is_an_organisation() -> None:
    text = "Leaders meet at the annual Velmor-Tarsk Economic Cooperation summit."
    name = "Velmor-Tarsk Economic Cooperation"
    start = text.index(name)
    found = apply_shapes(text, [Candidate(start, start + len(name), "EVENT", "EVENT")])
    assert [(text[c.start : c.end], c.type) for c in found] == [(name, "ORG")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("They bought satellite imaging company Quorbit, so why not more?", ["Quorbit"]),
        ("In 1912 the first film company (Velmor Film) was founded.", ["Velmor Film"]),
        ("The rebel group Naga Tide struck at dawn.", ["Naga Tide"]),
        ("He left the company Monday.", []),  # a day is no name
        ("The group I joined was small.", []),  # nor a pronoun
    ],
)
def test_a_name_right_after_a_kind_of_body_is_an_organisation(text: str, expected: list[str]) -> None:
    assert [text[start:end] for start, end in named_after_kind(text)] == expected


def test_a_kind_of_company_before_the_name_is_an_organisation_cue() -> None:
    text = "In 1912 the first film company (Velmor Film) was founded."
    start = text.index("Velmor Film")
    assert cue(text, start, start + len("Velmor Film")) == "ORG"


def test_a_title_cased_clause_is_no_name() -> None:
    text = "Great job!\n\nThe Panels Look Great And The Power We Are Putting Back Is Great."
    name = "Panels Look Great And The Power We Are Putting Back"
    start = text.index(name)
    assert apply_shapes(text, [Candidate(start, start + len(name), "ORG", "ORG")]) == []


@pytest.mark.parametrize("name", ["Mojmir I", "Bank of Tarsk"])
def test_a_name_with_a_numeral_or_a_link_word_is_no_clause(name: str) -> None:
    text = f"They met {name} yesterday."
    start = text.index(name)
    found = apply_shapes(text, [Candidate(start, start + len(name), "PERSON", "PERSON")])
    assert [text[c.start : c.end] for c in found] == [name]


@pytest.mark.parametrize(
    ("text", "name"), [("They spread Islam to the coast.", "Islam"), ("A form of Velmorism.", "Velmorism")]
)
def test_a_faith_or_a_doctrine_is_no_name(text: str, name: str) -> None:
    start = text.index(name)
    assert apply_shapes(text, [Candidate(start, start + len(name), "ORG", "ORG")]) == []


def test_a_multiword_name_with_a_faith_stays() -> None:
    text = "The Islamic Jihad Union said so."
    name = "Islamic Jihad Union"
    start = text.index(name)
    found = apply_shapes(text, [Candidate(start, start + len(name), "ORG", "ORG")])
    assert [(text[c.start : c.end], c.type) for c in found] == [(name, "ORG")]
