"""Who wrote the article: persons from bylines, and an organisation credited as author kept apart.

Sources by trust: JSON-LD ``author`` (a ``Person``, a name, or an ``@id`` pointing at a Person elsewhere
in the page's graph; an ``Organization`` goes to ``author_organization``), the ``author`` meta tags, then
byline markup (``rel=author``, ``itemprop=author``, ``byline``/``author`` classes, a short "By …" line),
never inside captions, related lists or comments (:mod:`~wirewatch.services.parser.regions`). The first
source that names a person wins.

Cleaning removes "By"/"Written by", dates and times, e-mail addresses and handles, job titles, then splits
"A and B", "A, B & C" into names. A name is dropped when it is a URL slug (``emma-mackenzie``), an image
credit (``iStockphoto``, ``Getty Images``, ``REUTERS/Name``, "Photo by …"), or not name-shaped; a wire
agency or the site's own name is an organisation, not a person. Names written all in capitals or all in
lower case get name casing ("ALISTAIR MCDONALD" → "Alistair McDonald", "sara van der berg" → "Sara van
der Berg").
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

from wirewatch.core.dates import TEXT_DATES
from wirewatch.services.parser.regions import in_furniture
from wirewatch.services.parser.structured import Structured, type_names

AUTHOR_META = (
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "byl",
)
_BY = re.compile(r"^\s*(?:[^\W\d]+\s+){0,3}?by\b[:\s]*", re.IGNORECASE)  # "By", "Analysis by", "Story and photos by"
_ROLE = re.compile(
    r"\b(?:staff|senior|chief|deputy|political|foreign|business|sports?|news|contributing|guest|special)?\s*"
    r"(?:writer|reporter|correspondent|editor|columnist|contributor|journalist|producer|analyst|"
    r"bureau chief)s?\b.*$",
    re.IGNORECASE,
)
_NOISE = re.compile(
    r"\S+@\S+|@\w+|https?://\S+|\b(?:updated|published|posted|last modified)\b.*$|\d{1,2}:\d{2}.*$"
    r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b.*$",
    re.I,
)
_CREDIT = re.compile(  # "Photo by …", "… | Photo: …", but not "Story and photos by …", whose author it is
    r"(?:^|[.;,|]\s*)(?:photos?|pictures?|images?|credit|illustration|video)\s*(?:by\b|:).*$", re.IGNORECASE
)
_SLASH_CREDIT = re.compile(r"^[A-Za-z. ]{2,30}/\s*\S")  # "REUTERS/Thaier al-Sudani", "AP/Hadi Mizban"
_SPLIT = re.compile(r"\s*(?:,|;|&|·|•|\band\b|\bund\b|\bet\b|\by\b|\|)\s*", re.IGNORECASE)
_NAME_OK = re.compile(r"^[^\W\d_][^\W\d_.'’\- ]*(?:[.'’\- ]+[^\W\d_]+)*\.?$")  # letters, no digits
_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)+$")
_NOT_PERSON = re.compile(r"\b(?:staff|desk|newsroom|team|wires?|agencies|admin)$", re.IGNORECASE)
IMAGE_LIBRARIES = frozenset({"getty", "gettyimages", "istock", "istockphoto", "shutterstock", "alamy", "unsplash"})
AGENCIES = frozenset(
    {
        "reuters", "thomsonreuters", "ap", "associatedpress", "theassociatedpress", "afp", "agencefrancepresse",
        "bloomberg", "dpa", "efe", "ansa", "pa", "pamedia", "pressassociation", "upi", "xinhua", "anadolu",
        "anadoluagency", "aa", "epa", "aap", "kyodo", "tass", "ina", "iraqinewsagency", "wafa", "apa",
    }
)  # fmt: skip
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "da", "del", "della", "di", "du", "la", "le", "bin", "ibn"})
MAX_AUTHORS = 10
MAX_CREDITS = 50  # credits read per source: a JSON-LD list of 100,000 authors is not read whole
MAX_BYLINE_MATCHES = 200
_BYLINE_XPATH = (
    '//*[@rel="author" or @itemprop="author" or contains(@class, "byline") or contains(@class, "author-name")'
    ' or contains(concat(" ", normalize-space(@class), " "), " author ")]'
)
_BY_LINE_XPATH = '//*[self::p or self::div or self::span][starts-with(normalize-space(text()), "By ")]'
_MAX_BYLINES = 5
_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-"})  # "Al&#8209;Aqeedi" is "Al-Aqeedi"
_BY_NAME = re.compile(r"By\s+[^\W\d_]*[A-Z]")


@dataclass(slots=True)
class Credits:
    """Persons credited with the article, and an organisation credited as author (agency, the site)."""

    authors: list[str] = field(default_factory=list)
    organization: str | None = None


def find_authors(tree: HtmlElement, structured: Structured, sites: Iterable[str] = ()) -> Credits:
    """Persons from the most trusted source that names any; the first organisation any source credits."""
    site_keys = {key for site in sites if site for key in _keys(site)}
    credits = Credits()
    for raw in (_jsonld_authors(structured), _meta_authors(structured), _byline_authors(tree)):
        persons, organizations = _classify(raw, site_keys)
        credits.organization = credits.organization or next(iter(organizations), None)
        if persons and not credits.authors:
            credits.authors = persons
    return credits


def clean_authors(raw: Iterable[str], sites: Iterable[str] = ()) -> list[str]:
    """Clean, split and de-duplicate author strings into persons, keeping first-seen order."""
    return _classify([(value, False) for value in raw], {k for s in sites if s for k in _keys(s)})[0]


def _classify(raw: Iterable[tuple[str, bool]], site_keys: set[str]) -> tuple[list[str], list[str]]:
    """Persons and organisations among ``(text, is_organisation)`` credits."""
    persons: dict[str, str] = {}
    organizations: list[str] = []
    for value, is_organization in raw:
        if is_organization:
            organizations.append(" ".join(value.split()))
            continue
        for name, kind in _split_names(value, site_keys):
            if kind == "organization":
                organizations.append(name)
            else:
                persons.setdefault(name.casefold(), name)
    return list(persons.values())[:MAX_AUTHORS], organizations


def _split_names(value: str, site_keys: set[str]) -> Iterator[tuple[str, str]]:
    text = " ".join(html.unescape(value).translate(_HYPHENS).split())
    if _SLASH_CREDIT.match(text) or _key(text) in IMAGE_LIBRARIES:
        return
    text = _BY.sub("", _CREDIT.sub(" ", text))
    for pattern in TEXT_DATES:
        text = pattern.sub(" ", text)
    text = _NOISE.sub(" ", text)
    for part in _SPLIT.split(text):
        name = _ROLE.sub("", _BY.sub("", part)).strip(" .,-–—:|()[]")
        key = _key(name)
        if not name or key in IMAGE_LIBRARIES or "viagetty" in key:
            continue
        if _is_organization_name(key, site_keys):
            yield name, "organization"
            continue
        name, organization = _without_organization_tail(name, site_keys)
        if organization:
            yield organization, "organization"
        if _is_person(name):
            yield _name_case(name), "person"


def _is_organization_name(key: str, site_keys: set[str]) -> bool:
    return key in AGENCIES or key in site_keys or key.removeprefix("the") in site_keys


def _without_organization_tail(name: str, site_keys: set[str]) -> tuple[str, str | None]:
    """ "Tom Davies Associated Press", "Kevin McCoy USA TODAY": the person, and the agency or site after them."""
    words = name.split()
    for size in (3, 2, 1):
        if len(words) > size + 1 and _is_organization_name(_key(" ".join(words[-size:])), site_keys):
            return " ".join(words[:-size]), " ".join(words[-size:])
    return name, None


def _is_person(name: str) -> bool:
    """Name-shaped: letters only, one to five words, and one lower-case word is a user name ("jdadmin")."""
    words = name.split()
    return (
        bool(_NAME_OK.match(name))
        and not _SLUG.match(name)
        and not _NOT_PERSON.search(name)
        and 1 <= len(words) <= 5
        and 3 <= len(name) <= 60
        and not (len(words) == 1 and name.islower())
    )


def _name_case(name: str) -> str:
    """Name casing for a name written all in capitals or all in lower case; others are kept as written."""
    if not (name.isupper() or name.islower()) or len(name) <= 3:
        return name
    words = name.lower().split()
    return " ".join(w if i and w in _PARTICLES else _capitalise(w) for i, w in enumerate(words))


def _capitalise(word: str) -> str:
    word = re.sub(r"(^|[-'’])(\w)", lambda m: m[1] + m[2].upper(), word)
    return re.sub(r"^(Mc)(\w)", lambda m: m[1] + m[2].upper(), word)


def _jsonld_authors(structured: Structured) -> list[tuple[str, bool]]:
    value = structured.article.get("author") or structured.article.get("creator")
    by_id = {o["@id"]: o for o in structured.objects if isinstance(o.get("@id"), str)}
    names: list[tuple[str, bool]] = []
    for item in value[:MAX_CREDITS] if isinstance(value, list) else [value]:
        if isinstance(item, dict) and "name" not in item and isinstance(item.get("@id"), str):
            item = by_id.get(item["@id"], item)  # a Person node elsewhere in the @graph (Yoast)
        if isinstance(item, str) and not item.startswith("http"):
            names.append((item, False))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            names.append((item["name"], _is_organization(item)))
    return names


def _is_organization(item: dict[str, Any]) -> bool:
    return any("organization" in kind or kind == "corporation" for kind in type_names(item))


def _meta_authors(structured: Structured) -> list[tuple[str, bool]]:
    return [(v, False) for name in AUTHOR_META for v in structured.all_meta(name) if not v.startswith("http")]


def _byline_authors(tree: HtmlElement) -> list[tuple[str, bool]]:
    matches = tree.xpath(_BYLINE_XPATH)[:MAX_BYLINE_MATCHES]
    found = [el for el in matches if el.tag not in ("meta", "link") and not in_furniture(el)]
    if not found:
        found = [el for el in tree.xpath(_BY_LINE_XPATH)[:MAX_BYLINE_MATCHES] if _is_by_line(el)]
    texts = (" ".join(el.text_content().split()) for el in found[:_MAX_BYLINES])
    return [(t, False) for t in texts if 0 < len(t) <= 120]


def _is_by_line(element: HtmlElement) -> bool:
    """ "By Zainab Hussein · Published …", not "By viewing our video content, you accept …"."""
    return bool(_BY_NAME.match(element.text_content().strip())) and not in_furniture(element)


def _keys(site: str) -> set[str]:
    key = _key(site)
    return {key, key.removeprefix("the")} - {""}


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())
