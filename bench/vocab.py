"""Word lists and name generators for the synthetic news corpus (written for this benchmark).

Small built-in lists of people, organisations and places, plus generators of transliterated personal
names and of organisation names, so a corpus of thousands of articles does not repeat the same dozen
entities. Every function takes the caller's :class:`random.Random`, so output depends on the seed only.
"""

from __future__ import annotations

import random

FIRST_NAMES = (
    "Maria",
    "James",
    "Amina",
    "Daniel",
    "Sofia",
    "Thomas",
    "Leila",
    "Peter",
    "Grace",
    "Samuel",
    "Elena",
    "Robert",
    "Fatima",
    "Michael",
    "Hannah",
    "David",
    "Nadia",
    "Carlos",
    "Ingrid",
    "Kofi",
)
SURNAMES = (
    "Hughes",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Castillo",
    "Brennan",
    "Haddad",
    "Novak",
    "Ferreira",
    "Whitaker",
    "Osei",
    "Kowalski",
    "Tanaka",
    "Mendes",
    "Schreiber",
    "Delacroix",
    "Abbott",
    "Nakamura",
)
PLACES = (
    "Baghdad",
    "Erbil",
    "Kyiv",
    "Nairobi",
    "Lagos",
    "Jakarta",
    "Manila",
    "Lima",
    "Bogota",
    "Cairo",
    "Istanbul",
    "Warsaw",
    "Lisbon",
    "Madrid",
    "Berlin",
    "Paris",
    "London",
    "Geneva",
    "Brussels",
    "Tokyo",
    "Seoul",
    "Mumbai",
    "Karachi",
    "Dhaka",
    "Hanoi",
    "Accra",
    "Dakar",
    "Tunis",
    "Amman",
    "Beirut",
    "Kenya",
    "Nigeria",
    "Ukraine",
    "Poland",
    "Brazil",
    "Indonesia",
    "Egypt",
    "Turkey",
    "Peru",
    "Ghana",
)
ORGANISATIONS = (
    "United Nations",
    "World Bank",
    "International Monetary Fund",
    "European Commission",
    "NATO",
    "World Health Organization",
    "Red Cross",
    "African Union",
    "Amnesty International",
    "Reuters",
    "Human Rights Watch",
    "Interpol",
    "OPEC",
    "Doctors Without Borders",
    "World Food Programme",
)
_ORG_KINDS = (
    "Authority",
    "Cooperative",
    "Holdings",
    "Institute",
    "Commission",
    "Alliance",
    "Council",
    "Group",
    "Foundation",
    "Agency",
    "Union",
    "Consortium",
)
_ORG_ADJECTIVES = (
    "National",
    "Northern",
    "Eastern",
    "Coastal",
    "Federal",
    "Independent",
    "Regional",
    "Central",
    "Western",
    "Southern",
    "Metropolitan",
    "Allied",
)
_ORG_NOUNS = (
    "Grain",
    "Harbour",
    "Energy",
    "Water",
    "Rail",
    "Textile",
    "Mining",
    "Aviation",
    "Telecom",
    "Fisheries",
    "Cement",
    "Shipping",
    "Pharmaceutical",
    "Steel",
)
_MINISTRIES = (
    "Finance",
    "Defence",
    "Health",
    "Interior",
    "Energy",
    "Agriculture",
    "Transport",
    "Foreign Affairs",
    "Education",
    "Justice",
)

# syllables for transliterated names (Arabic, Slavic, Turkic, West African and East Asian flavours)
_ONSETS = (
    "Ab",
    "Mo",
    "Ha",
    "Ka",
    "Ze",
    "Ra",
    "Su",
    "Ta",
    "Ya",
    "Na",
    "Fa",
    "Ib",
    "O",
    "Dmi",
    "Vla",
    "Ser",
    "A",
    "Zho",
    "Nur",
    "Ba",
    "Chi",
    "Kwa",
    "Ade",
    "Tu",
    "Gu",
    "Ye",
    "Ro",
    "Ily",
    "Sa",
    "Bo",
)
_MIDDLES = (
    "ham",
    "rat",
    "ly",
    "zan",
    "mi",
    "dir",
    "lan",
    "ba",
    "ke",
    "sen",
    "ri",
    "tol",
    "gan",
    "mu",
    "shan",
    "ra",
    "ko",
    "li",
    "du",
    "vi",
)
_FIRST_ENDINGS = ("", "ed", "a", "in", "at", "o", "ir", "ya", "on", "em", "ek", "us")
_FAMILY_ENDINGS = (
    "ov",
    "ev",
    "enko",
    "ski",
    "yan",
    "adze",
    "i",
    "ani",
    "ullah",
    "oglu",
    "bekov",
    "uddin",
    "emi",
    "unde",
    "atov",
    "ova",
    "ouri",
    "zadeh",
)


def transliterated_name(rng: random.Random) -> str:
    """A plausible, generated personal name such as ``Mohamed Kebani`` or ``al-Sadir Rashidov``."""
    first = rng.choice(_ONSETS) + rng.choice(_MIDDLES) + rng.choice(_FIRST_ENDINGS)
    family = rng.choice(_ONSETS) + rng.choice(_MIDDLES) + rng.choice(_FAMILY_ENDINGS)
    if rng.random() < 0.15:
        family = "al-" + family
    return f"{first.capitalize()} {family[0].upper()}{family[1:]}"


def person(rng: random.Random) -> str:
    """Half the people come from the short list, half are generated transliterations."""
    if rng.random() < 0.5:
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
    return transliterated_name(rng)


def organisation(rng: random.Random) -> str:
    """A known organisation, a ministry, or a generated company or body."""
    roll = rng.random()
    if roll < 0.35:
        return rng.choice(ORGANISATIONS)
    if roll < 0.55:
        return f"Ministry of {rng.choice(_MINISTRIES)}"
    return f"{rng.choice(_ORG_ADJECTIVES)} {rng.choice(_ORG_NOUNS)} {rng.choice(_ORG_KINDS)}"


def place(rng: random.Random) -> str:
    return rng.choice(PLACES)


# filler text ------------------------------------------------------------------------------------------
SUBJECTS = (
    "The committee",
    "The government",
    "Local officials",
    "The company",
    "Analysts",
    "Residents",
    "Negotiators",
    "The regulator",
    "Investors",
    "Union leaders",
    "Police",
    "Aid workers",
    "The opposition",
    "Economists",
    "Engineers",
    "Teachers",
)
VERBS = (
    "expected to see",
    "declined to comment on",
    "promised to review",
    "warned about",
    "welcomed",
    "called for an inquiry into",
    "raised concerns over",
    "questioned",
    "announced a plan to expand",
    "rejected claims about",
    "pushed for a vote on",
    "postponed a decision on",
)
OBJECTS = (
    "the new budget",
    "the proposed reforms",
    "rising food prices",
    "the power shortages",
    "the drought",
    "the trade agreement",
    "the rail project",
    "the hospital funding",
    "the ceasefire talks",
    "the port expansion",
    "the tax changes",
    "the flood defences",
    "the election timetable",
    "fuel subsidies",
    "the water supply",
    "the housing plan",
)
TAILS = (
    "before the end of the year",
    "after months of delays",
    "despite strong objections",
    "according to people familiar with the matter",
    "in a statement on its website",
    "amid growing pressure from lawmakers",
    "for the second time this year",
    "as costs continue to climb",
    "following a review of the figures",
    "",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SECTIONS = ("world", "business", "politics", "science", "climate", "health", "technology")
#: the term the benchmark's alert rule watches for; it appears only in "watched" article bodies
WATCH_TERM = "desalination"


def filler_sentence(rng: random.Random) -> str:
    tail = rng.choice(TAILS)
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}{' ' + tail if tail else ''}."


def entity_sentence(rng: random.Random, who: str, org: str, where: str) -> str:
    """A sentence carrying a person, an organisation and/or a place, in one of several shapes."""
    day = rng.choice(WEEKDAYS)
    shapes = (
        f"{who}, a spokesperson for the {org}, said on {day} that {rng.choice(OBJECTS)} would be discussed.",
        f"Speaking in {where}, {who} said the {org} {rng.choice(VERBS)} {rng.choice(OBJECTS)}.",
        f"Officials in {where} said they had met representatives of the {org} on {day}.",
        f"\u201cWe are not there yet,\u201d {who} told reporters in {where}.",
        f"The {org} {rng.choice(VERBS)} {rng.choice(OBJECTS)} in {where}.",
        f"{who} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS) or 'on ' + day}.",
    )
    return rng.choice(shapes)


def headline(rng: random.Random, who: str, org: str, where: str) -> str:
    shapes = (
        f"{org} {rng.choice(('weighs', 'delays', 'backs', 'rejects'))} plan for "
        f"{rng.choice(OBJECTS).removeprefix('the ')}",
        f"{where}: {rng.choice(SUBJECTS).lower()} {rng.choice(('split over', 'push back on', 'brace for'))} "
        f"{rng.choice(OBJECTS)}",
        f"{who} {rng.choice(('defends', 'questions', 'unveils'))} {rng.choice(OBJECTS)}",
    )
    title = rng.choice(shapes)
    return title[0].upper() + title[1:]
