"""Organisations recognised by their shape (services/extractor/shapes.py)."""

from __future__ import annotations

import time

import pytest

from wirewatch.services.extractor.entities import EntityExtractor
from wirewatch.services.extractor.orgspans import apply_shapes
from wirewatch.services.extractor.shapes import shaped, shaped_name, title_cased
from wirewatch.services.extractor.spans import Candidate


def names(text: str) -> list[str]:
    return [text[s.start : s.end] for s in shaped(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # head-final, English
        ("Gunmen of the Eastern Valley Brigades fired on the road.", ["Eastern Valley Brigades"]),
        ("The Zamfara Vigilance Movement denied it.", ["Zamfara Vigilance Movement"]),
        ("Troops of the Nuba Popular Defence Forces withdrew.", ["Nuba Popular Defence Forces"]),
        ("The Costa Verde Cartel moved cocaine.", ["Costa Verde Cartel"]),
        # head-initial, romanised and Spanish/French
        ("A statement by Saraya Ashab al-Kahf was read.", ["Saraya Ashab al-Kahf"]),
        ("Liwa Abu al-Fadl and Harakat Hizb al-Nour clashed.", ["Liwa Abu al-Fadl", "Harakat Hizb al-Nour"]),
        ("Fighters of Jaish-ul-Adl crossed.", ["Jaish-ul-Adl"]),
        ("Tehreek-e-Azadi and Lashkar-e-Qahar were named.", ["Tehreek-e-Azadi", "Lashkar-e-Qahar"]),
        ("Hizbul Tawhid claimed it.", ["Hizbul Tawhid"]),
        (
            "The Frente Popular del Norte and the Parti du Renouveau met.",
            ["Frente Popular del Norte", "Parti du Renouveau"],
        ),
        ("Ejército Campesino Libre attacked.", ["Ejército Campesino Libre"]),
        # English head before "of"/"for"
        ("The Ministry of Water Resources said so.", ["Ministry of Water Resources"]),
        ("The Popular Front for the Liberation of Ogaden spoke.", ["Popular Front for the Liberation of Ogaden"]),
        # one name across "and" only when the part before it is no name by itself
        ("The Turks and Caicos Police arrested him.", ["Turks and Caicos Police"]),
        ("The Blue Nile Army and Kordofan Defence Forces met.", ["Blue Nile Army", "Kordofan Defence Forces"]),
        ("Asana and the Openfields Foundation agreed.", ["Openfields Foundation"]),
        # a possessive ends a name; a title cuts one
        ("Chad's Union Defence Forces moved.", ["Union Defence Forces"]),
        ("Interior Ministry spokesman Idris Kone said.", ["Interior Ministry"]),
        # a long formal name goes on over "in" and its place; a short one does not
        ("The United Nations Support Mission in Wadai said.", ["United Nations Support Mission in Wadai"]),
        ("The Front for Renewal in the Ouham Valley met.", ["Front for Renewal in the Ouham Valley"]),
        ("The Kano State University in Kano closed.", ["Kano State University"]),
        # a plural head before "of" is no name's head: "Forces of …", "Gangs of …"
        ("Forces of the Eastern Salvation Council advanced.", ["Eastern Salvation Council"]),
        ("Gangs of the Grand Ravine took the port.", []),
        ("The Comandos del Valle were blamed.", ["Comandos del Valle"]),
        # Spanish plural article: a gang, not a person
        ("Los Tucanes and Las Garzas fought.", ["Los Tucanes", "Las Garzas"]),
        ("Army Chief Samuel Otieno met the UN General Assembly.", ["UN General Assembly"]),
    ],
)
def test_names_in_shape(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The Army said it had withdrawn.",  # a head word alone
        "Forces loyal to the governor left.",
        "She lives on Front Street near Union Station.",  # an English head leads only before of/for
        "Prime Minister Ruto spoke. The Minister of Water spoke too.",  # titles are not bodies
        "On Monday Army trucks arrived.",
        "Mr. Ansari and Hayat left.",  # a head word alone, and a surname that merely begins like one
    ],
)
def test_no_name_in_shape(text: str) -> None:
    assert names(text) == []


def test_weak_heads_are_marked() -> None:
    [court] = shaped("Justice Maria Lopez of the Lagos High Court")
    assert court.weak
    [army] = shaped("Kivu Liberation Army")
    assert not army.weak


def test_shaped_name_is_the_whole_surface() -> None:
    assert shaped_name("Kivu Liberation Army")
    assert not shaped_name("Kivu Liberation Army Commander Ali")
    assert not shaped_name("Kivu")


TEXT = "Saraya Ashab al-Kahf said Kivu Liberation Army fighters and the West Bank police met Abel Court."


def at(text: str, name: str, type_: str, **kw: object) -> Candidate:
    start = text.index(name)
    return Candidate(start, start + len(name), type_, str(kw.pop("label", type_)), **kw)  # type: ignore[arg-type]


def test_apply_shapes_retypes_replaces_and_adds() -> None:
    found = [
        at(TEXT, "Saraya Ashab", "PERSON"),  # a model span inside the shaped name: replaced
        at(TEXT, "West Bank", "LOC", label="GPE"),  # a weak head retypes nothing
        at(TEXT, "Abel Court", "PERSON"),  # nor takes a person
    ]
    result = {TEXT[c.start : c.end]: c for c in apply_shapes(TEXT, found)}
    assert result["Saraya Ashab al-Kahf"].type == "ORG"
    assert result["Saraya Ashab al-Kahf"].why == "shape"
    assert result["Kivu Liberation Army"].type == "ORG"  # added where the model found nothing
    assert result["West Bank"].type == "LOC"
    assert result["Abel Court"].type == "PERSON"


def test_a_spanish_article_name_never_takes_a_place() -> None:
    text = "Los Pinos and Los Tucanes"
    found = [at(text, "Los Pinos", "LOC", label="GPE"), at(text, "Los Tucanes", "PERSON")]
    assert [c.type for c in apply_shapes(text, found)] == ["LOC", "ORG"]


def test_a_model_span_running_into_parentheses_is_cut_to_the_name() -> None:
    text = "Fighters of the Kivu Liberation Army (KLA) left."
    [kla] = apply_shapes(text, [at(text, "Kivu Liberation Army (KLA", "ORG")])
    assert text[kla.start : kla.end] == "Kivu Liberation Army"


def test_a_weak_head_mends_a_model_organisation_around_a_place() -> None:
    text = "the Upper Lakes Regional Office in Wau said"
    found = [at(text, "Upper Lakes Regional Office", "ORG"), at(text, "Wau", "LOC", tier="place")]
    assert [text[c.start : c.end] for c in apply_shapes(text, found)] == ["Upper Lakes Regional Office in Wau"]


def test_a_person_of_an_organisation_in_one_model_span_is_split() -> None:
    text = "Police named him as Tamba Sesay Kallon of the Kailahun Defence Brigades on Monday."
    found = apply_shapes(text, [at(text, "Tamba Sesay Kallon of the Kailahun Defence Brigades", "ORG")])
    assert [(text[c.start : c.end], c.type) for c in found] == [
        ("Tamba Sesay Kallon", "PERSON"),
        ("Kailahun Defence Brigades", "ORG"),
    ]
    text = "the Ministry of the Kailahun Defence Brigades"  # no person before "of"
    [kept] = apply_shapes(text, [at(text, "Ministry of the Kailahun Defence Brigades", "ORG")])
    assert text[kept.start : kept.end] == "Ministry of the Kailahun Defence Brigades"


def test_a_head_word_alone_is_no_name() -> None:
    text = "The Army said Groups would return."
    assert apply_shapes(text, [at(text, "Army", "ORG"), at(text, "Groups", "ORG")]) == []


def test_apply_shapes_leaves_watchlist_matches_alone() -> None:
    found = [at(TEXT, "Kivu Liberation Army", "LOC", tier="watch")]
    [kept, *_] = [c for c in apply_shapes(TEXT, found) if c.start == found[0].start]
    assert kept.type == "LOC"


def test_title_case_headlines_are_recognised() -> None:
    assert title_cased("Rebels Seize Town As Army Withdraws")
    assert not title_cased("Rebels seize town as the army withdraws")


# With the model in the loop ---------------------------------------------------------------------------------
def types(extractor: EntityExtractor, text: str) -> dict[str, str]:
    return {e.name: e.type for e in extractor.extract_entities(text)}


def test_romanised_and_spanish_names_come_out_as_organisations(extractor: EntityExtractor) -> None:
    text = (
        "Saraya Ashab al-Kahf claimed the rocket attack on the base, while Harakat Ansar al-Wadi denied any role. "
        "In the south, the Frente Campesino del Sur said its members had been detained."
    )
    found = types(extractor, text)
    assert found["Saraya Ashab al-Kahf"] == "ORG"
    assert found["Harakat Ansar al-Wadi"] == "ORG"
    assert found["Frente Campesino del Sur"] == "ORG"


def test_head_final_names_come_out_as_organisations(extractor: EntityExtractor) -> None:
    text = "Witnesses said the Kivu Liberation Army and the Lomami Patriotic Brigades fought near the river."
    found = types(extractor, text)
    assert found["Kivu Liberation Army"] == "ORG"
    assert found["Lomami Patriotic Brigades"] == "ORG"


def test_a_long_run_of_capitalised_names_is_read_in_linear_time() -> None:
    # cutting a 16,000-name run at each "and" where a name ends took minutes (quadratic); now well under a second
    listing = " and ".join(f"Kivu{i} Army" for i in range(16_000))
    started = time.perf_counter()
    found = shaped(listing)
    assert time.perf_counter() - started < 10
    assert len(found) == 16_000
