"""The drill's synthetic news: seeded articles that each name one known person, organisation and place,
their HTML pages, the RSS feeds that list them, the same names as a gazetteer, and the alert rule.

Nothing is copied from anywhere; article ``n`` of a seed is always the same. A seeded share of the stories
names :data:`ALERT_ORG`, the organisation the drill's alert rules (:data:`RULE_QUERY`) watch; the others
never do. Every story is worded on its own, sentences drawn from many phrasings and the vocabulary below,
so two stories stay far below the indexer's same-story threshold (:mod:`wirewatch.core.stories`); a seeded
share of them (:data:`COPY_SHARE`) is republished as wire copies by one or two other outlets (another
dateline and credit line, the ending trimmed, an address of their own), which must join their original's
story.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

ALERT_ORG = "Meridian Watch Group"
RULE_NAME = "chaos-meridian"
RULE_QUERY = f'organizations:"{ALERT_ORG}"'
#: the same query per story: one alert per story of the rule's subset (issue 16), counted apart
STORY_RULE_NAME = "chaos-meridian-stories"
SECRET = "chaos-signing-secret"  # signs the rule's webhooks

PERSONS = [
    "Amira Haddad",
    "Tomas Lindqvist",
    "Nadia Okafor",
    "Hamid Rezaei",
    "Clara Montenegro",
    "Yusuf Demir",
    "Ingrid Solberg",
    "Karim Benali",
    "Leila Navarro",
    "Piotr Kowalczyk",
    "Samira Toure",
    "Daniel Achterberg",
    "Rania Farouk",
    "Mateo Quispe",
    "Hana Kobayashi",
    "Olumide Adeyemi",
    "Elena Vasquez",
    "Farid Mansour",
    "Greta Holm",
    "Tariq Siddiqui",
]
ORGS = [
    "Northwind Consortium",
    "Blue Delta Shipping",
    "Caspian Grain Board",
    "Harbor Relief Alliance",
    "Eastgate Mining Corporation",
    "Solace Medical Trust",
    "Orion Freight Union",
    "Red Cedar Bank",
    "Atlas Water Authority",
    "Veridian Power Company",
    "Southern Rail Syndicate",
    "Kestrel Telecom",
]
PLACES = [
    "Port Halden",
    "Varosha Bay",
    "Tel Meskene",
    "Qaryat Sarim",
    "Dunmore Ridge",
    "Kessra Valley",
    "Nova Brana",
    "Ostrel Harbour",
    "Zamira Plain",
    "Lake Ivrea",
]
SUBJECTS = [
    "fuel prices",
    "the water network",
    "grain exports",
    "the port expansion",
    "power cuts",
    "the rail corridor",
    "border crossings",
    "flood defences",
    "hospital funding",
    "fishing quotas",
    "the mining licence",
    "telecom outages",
    "housing repairs",
    "the customs regime",
]
VERBS = ["suspend", "expand", "review", "restore", "audit", "renegotiate", "postpone", "fund"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
OUTLETS = [
    "Courier",
    "Ledger",
    "Dispatch",
    "Herald",
    "Observer",
    "Gazette",
    "Sentinel",
    "Tribune",
    "Post",
    "Wire",
]


ROLES = [
    "the deputy mayor",
    "a union spokesperson",
    "two councillors",
    "the regional governor",
    "a senior engineer",
    "port officials",
    "the finance minister",
    "shopkeepers",
    "farmers' representatives",
    "an independent auditor",
    "the transport committee",
    "residents' groups",
    "local teachers",
    "the harbour master",
    "a hospital director",
    "opposition lawmakers",
    "insurers",
    "the chamber of commerce",
    "a court clerk",
    "the ombudsman",
]
REACTIONS = [
    "welcomed",
    "questioned",
    "criticised",
    "defended",
    "doubted",
    "praised",
    "challenged",
    "mocked",
    "endorsed",
    "dismissed",
    "scrutinised",
    "applauded",
]
THINGS = [
    "the timetable",
    "the cost estimate",
    "the tender",
    "the consultation",
    "the draft budget",
    "the safety report",
    "the contract",
    "the inspection",
    "the compensation scheme",
    "the emergency fund",
    "the environmental review",
    "the loan",
    "the survey",
    "the pilot scheme",
    "the settlement",
]
WHEN = [
    "last winter",
    "since March",
    "by the autumn",
    "within weeks",
    "before the elections",
    "after the storms",
    "during the strike",
    "over the summer",
    "next spring",
    "in early December",
    "this quarter",
    "two years ago",
]
REASONS = [
    "rising costs",
    "a shortage of parts",
    "legal challenges",
    "heavy rain",
    "falling revenue",
    "a staffing dispute",
    "delayed permits",
    "damaged equipment",
    "unpaid invoices",
    "new safety rules",
    "a court ruling",
    "pressure from lenders",
]
ADJECTIVES = ["modest", "sweeping", "temporary", "costly", "overdue", "limited", "ambitious", "partial", "urgent"]
SITES = [
    "warehouses",
    "pumping stations",
    "bus depots",
    "schools",
    "clinics",
    "bridges",
    "substations",
    "ferries",
    "markets",
    "silos",
    "pipelines",
    "quays",
]
#: sentences of a story's body; slots: {P} person, {O} organisation, {L} place, {S} subject, {V} verb,
#: {D} day, {R} role, {R2} another role, {X} reaction, {T} thing, {W} when, {C} reason, {A} adjective,
#: {B} sites, {N} a count, {M} an amount, {Q} a percentage — few fixed words in a row, so two stories share
#: almost no 3-word shingle and stay far below the clustering threshold (:mod:`wirewatch.core.stories`)
SENTENCES = [
    "{R} {X} {T}, saying {N} {B} were affected.",
    "{O} {X} the move {W} and blamed {C}.",
    "According to {R}, roughly {N} households near {L} depend on {S}.",
    "{P} told {R} that {T} would cost about {M}.",
    "Figures seen by {R} show {Q} percent of {B} in {L} need {A} repairs.",
    "{R} warned that {C} could delay {T} {W}.",
    "Asked about {S}, {P} promised a {A} review of {T}.",
    "The {A} plan covers {N} {B} and was drafted {W}.",
    "{O} has faced {C} {W}, {R} noted.",
    "Some {B} around {L} closed {W} because of {C}.",
    "{R} and {R2} met on {D} to discuss {T}.",
    "No date was set for {T}, which {R} {X}.",
    "In {L}, {R} said {S} had worsened {W}.",
    "{R2} {X} {P}, pointing to {C} and {N} idle {B}.",
    "A {A} deal on {S} would need {M}, {R} estimated.",
    "{Q} percent of those asked by {R2} backed {T}.",
    "{P} conceded that {C} had slowed {T} {W}.",
    "Lenders want {T} finished {W}, {R} told reporters.",
    "Without {T}, {N} {B} could stand empty, {R2} said.",
    "{O} blamed {C} for the {A} start to {S}.",
    "Engineers inspected {N} {B} {W} and found {C}.",
    "{P} insisted {M} was enough, though {R} disagreed.",
    "Rents near {L} rose {Q} percent {W}, {R2} complained.",
    "{R} filed {N} objections to {T} on {D}.",
    "Nobody at {O} answered questions about {C}.",
    "{X} by {R}, {T} now goes to {R2}.",
    "Half of {B} in {L} date from before {S} was privatised.",
    "{P} flew to {L} {W} to inspect {B}.",
    "Under {T}, {O} pays {M} if {S} slips again.",
    "{R2} recalled that {C} ruined {A} attempts {W}.",
    "Queues at {B} stretched for hours {W}, {R} said.",
    "{O} shares fell {Q} percent on news of {C}.",
    "Volunteers mapped {N} damaged {B} {W}.",
    "{R} demanded {A} answers on {T} before {D}.",
    "Insurance claims over {C} reached {M} {W}.",
    "{P} called {T} a {A} first step.",
    "Diesel generators kept {N} {B} running {W}.",
    "{R2} sued {O} over {T}, alleging {C}.",
    "Only {Q} of {N} {B} passed {T}.",
    "Talks between {R} and {O} collapsed {W} over {C}.",
]
LEADS = [
    "{P} said on {D} that {O} would {V} {S} in {L} {W}, citing {C}.",
    "{O} will {V} {S} in {L}, {P} announced on {D} after {N} residents complained.",
    "Plans by {O} to {V} {S} across {L} were confirmed by {P} on {D}.",
    "{P} of {O} said {S} in {L} would be under review {W}.",
    "{L} braced for {C} as {O} moved to {V} {S}, {P} said on {D}.",
    "Facing {C}, {O} must {V} {S} around {L} {W}, according to {P}.",
    "{P} confirmed on {D} a {A} decision by {O} to {V} {S} in {L}.",
]
WATCHED = [
    "Observers from the {G} said they would monitor how {O} handled {S} {W}.",
    "The {G} asked {O} for {T} and said {R} should see it too.",
    "Monitors of the {G} counted {N} {B} near {L} and promised a report {W}.",
]
CODAS = [
    "Critics called {T} {A} and said {R2} had heard it before.",
    "Traders in {L} said they would judge {O} by {T} {W}.",
    "{R2} said the fight over {S} was far from settled.",
]
COPY_SHARE = 1 / 8  # stories republished by other outlets (wire copies)


@dataclass(frozen=True)
class Article:
    """One page of the drill; a wire copy (``copy_of``: the number of the article it copies) shares its
    original's story, people and rule membership, under other furniture at another address."""

    number: int
    feed: int
    path: str
    title: str
    person: str
    org: str
    place: str
    alert: bool
    published_at: datetime
    html: str
    copy_of: int | None = None

    @property
    def story(self) -> int:
        """The story this article tells: its original's number (its own for an original)."""
        return self.number if self.copy_of is None else self.copy_of


@dataclass(frozen=True)
class Story:
    """What an original and its copies share: the words of the story and who it names."""

    number: int
    title: str
    slug: str
    person: str
    org: str
    place: str
    alert: bool
    published_at: datetime
    body: list[str]  # paragraphs, the last one the ending a copy may trim


def host_of_feed(feed: int) -> str:
    return f"outlet{feed:02d}.chaos.test"


def outlet_name(feed: int) -> str:
    return f"The {PLACES[feed % len(PLACES)].split()[0]} {OUTLETS[feed % len(OUTLETS)]} {feed:02d}"


def corpus(seed: int, count: int, feeds: int, alert_share: float, copy_share: float = COPY_SHARE) -> list[Article]:
    """``count`` articles, each naming one known person, organisation and place; a seeded ``alert_share`` of
    the stories name :data:`ALERT_ORG` too (the rule's subset), the others never do. Each story has its own
    wording; a seeded ``copy_share`` of them (the first of the rule's subset always) is republished by one
    or two other outlets right after the original (:func:`wire_copy`)."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)
    articles: list[Article] = []
    copied_alert = False
    while len(articles) < count:
        number = len(articles)
        story = _story(rng, number, start + timedelta(minutes=7 * number), rng.random() < alert_share)
        articles.append(_original(story, number % feeds))
        copies = 0
        if rng.random() < copy_share or (story.alert and not copied_alert):
            copies = rng.choice((1, 2)) if feeds > 2 else min(feeds - 1, 1)
            copied_alert = copied_alert or story.alert
        others = rng.sample([f for f in range(feeds) if f != number % feeds], copies)
        for nth, feed in enumerate(others, start=1):
            if len(articles) < count:
                articles.append(wire_copy(rng, story, len(articles), feed, nth))
    return articles


def _story(rng: random.Random, number: int, published: datetime, alert: bool) -> Story:
    person, org, place = rng.choice(PERSONS), rng.choice(ORGS), rng.choice(PLACES)
    subject, verb = rng.choice(SUBJECTS), rng.choice(VERBS)
    slots = {"P": person, "O": org, "L": place, "S": subject, "V": verb, "D": DAYS[published.weekday()]}

    def said(templates: Sequence[str], sentences: int = 1) -> str:
        return " ".join(_sentence(rng, rng.choice(templates), slots) for _ in range(sentences))

    body = [said(LEADS) + " " + said(SENTENCES), *(said(SENTENCES, 2) for _ in range(3))]
    if alert:
        body.insert(rng.randint(1, len(body) - 1), said(WATCHED) + " " + said(SENTENCES))
    body.append(said(CODAS) + " " + said(SENTENCES))
    title = f"{org} to {verb} {subject} in {place} (report {number})"
    slug = f"{verb}-{subject.replace(' ', '-')}-{number}"
    return Story(number, title, slug, person, org, place, alert, published, body)


def _sentence(rng: random.Random, template: str, story: dict[str, str]) -> str:
    roles = rng.sample(ROLES, 2)
    slots = {
        **story,
        "R": roles[0],
        "R2": roles[1],
        "X": rng.choice(REACTIONS),
        "T": rng.choice(THINGS),
        "W": rng.choice(WHEN),
        "C": rng.choice(REASONS),
        "A": rng.choice(ADJECTIVES),
        "B": rng.choice(SITES),
        "N": f"{rng.randint(12, 98_000):,}",
        "M": f"{rng.randint(2, 950)} million",
        "Q": str(rng.randint(3, 97)),
        "G": ALERT_ORG,
    }
    text = template.format(**slots)
    return text[0].upper() + text[1:]


def _original(story: Story, feed: int) -> Article:
    dateline = f"{story.place.upper()}, {story.published_at:%b %d}"
    html = _page(outlet_name(feed), story.title, story.published_at, [dateline, *story.body])
    path = f"/{story.published_at:%Y/%m/%d}/{story.slug}.html"
    return _article(story, story.number, feed, path, story.title, story.published_at, html)


def wire_copy(rng: random.Random, story: Story, number: int, feed: int, nth: int) -> Article:
    """Outlet ``feed``'s republication of ``story``: the same prose under its own dateline and credit line,
    the ending trimmed, a later time and an address of its own."""
    outlet = outlet_name(feed)
    published = story.published_at + timedelta(minutes=rng.randint(20, 240))
    title = f"UPDATE {nth}-{story.title}"
    paragraphs = [f"{story.place.upper()} ({outlet}) —", *story.body[:-1], f"Compiled by the {outlet} desk."]
    html = _page(outlet, title, published, paragraphs)
    path = f"/wire/{published:%Y/%m/%d}/{story.slug}-{nth}.html"
    return _article(story, number, feed, path, title, published, html, copy_of=story.number)


def _article(
    story: Story,
    number: int,
    feed: int,
    path: str,
    title: str,
    published: datetime,
    html: str,
    copy_of: int | None = None,
) -> Article:
    return Article(
        number, feed, path, title, story.person, story.org, story.place, story.alert, published, html, copy_of
    )


def _page(outlet: str, title: str, published: datetime, paragraphs: Sequence[str]) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | {outlet}</title>
<meta property="og:site_name" content="{outlet}">
<meta property="article:published_time" content="{published.isoformat()}"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/business">Business</a>
<a href="/sport">Sport</a></nav>
<div class="cookie-banner">We use cookies to improve your experience. Accept all</div>
<article><h1>{title}</h1>
{body}
</article>
<aside class="related"><h3>Most read</h3><ul><li><a href="/a">Weather warning for the weekend</a></li>
<li><a href="/b">Council approves new bus routes</a></li></ul></aside>
<footer>© 2026 {outlet}. All rights reserved.</footer></body></html>"""


def rss(feed: int, base: str, items: Sequence[tuple[str, str, datetime]]) -> str:
    """The RSS 2.0 feed of outlet ``feed`` listing ``items`` (title, URL, publication time) in order."""
    entries = "".join(
        f"<item><title>{title}</title><link>{url}</link><guid>{url}</guid>"
        f"<pubDate>{when:%a, %d %b %Y %H:%M:%S} GMT</pubDate></item>"
        for title, url, when in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{outlet_name(feed)}'
        f"</title><link>{base}/</link><description>chaos drill</description>{entries}</channel></rss>"
    )


def gazetteer_yaml() -> str:
    """The known entities as an analyst's watchlist, so what must be found does not hang on the model."""
    lines = ["entries:"]
    for names, kind in ((PERSONS, "PERSON"), ([*ORGS, ALERT_ORG], "ORG"), (PLACES, "LOC")):
        lines += [f"  - name: {name}\n    type: {kind}" for name in names]
    return "\n".join(lines) + "\n"
