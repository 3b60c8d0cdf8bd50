"""The drill's synthetic news: seeded articles that each name one known person, organisation and place,
their HTML pages, the RSS feeds that list them, the same names as a gazetteer, and the alert rule.

Nothing is copied from anywhere; article ``n`` of a seed is always the same. A seeded share of them names
:data:`ALERT_ORG`, the organisation the drill's alert rule (:data:`RULE_QUERY`) watches; the others never do.
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


@dataclass(frozen=True)
class Article:
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


def host_of_feed(feed: int) -> str:
    return f"outlet{feed:02d}.chaos.test"


def outlet_name(feed: int) -> str:
    return f"The {PLACES[feed % len(PLACES)].split()[0]} {OUTLETS[feed % len(OUTLETS)]} {feed:02d}"


def corpus(seed: int, count: int, feeds: int, alert_share: float) -> list[Article]:
    """``count`` distinct articles, each naming one known person, organisation and place; a seeded
    ``alert_share`` of them name :data:`ALERT_ORG` too (the rule's subset), the others never do."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)
    articles = []
    for number in range(count):
        person, org, place = rng.choice(PERSONS), rng.choice(ORGS), rng.choice(PLACES)
        subject, verb = rng.choice(SUBJECTS), rng.choice(VERBS)
        alert = rng.random() < alert_share
        title = f"{org} to {verb} {subject} in {place} (report {number})"
        slug = f"{verb}-{subject.replace(' ', '-')}-{number}"
        published = start + timedelta(minutes=7 * number)
        paragraphs = _paragraphs(rng, number, person, org, place, subject, verb, alert, published)
        html = _page(outlet_name(number % feeds), title, published, paragraphs)
        articles.append(
            Article(
                number,
                number % feeds,
                f"/{published:%Y/%m/%d}/{slug}.html",
                title,
                person,
                org,
                place,
                alert,
                published,
                html,
            )
        )
    return articles


def _paragraphs(
    rng: random.Random,
    number: int,
    person: str,
    org: str,
    place: str,
    subject: str,
    verb: str,
    alert: bool,
    published: datetime,
) -> list[str]:
    day, figure, share = DAYS[published.weekday()], rng.randint(120, 98_000), rng.randint(3, 97)
    other = rng.choice([s for s in SUBJECTS if s != subject])
    text = [
        f"{place.upper()} — {person} said on {day} that {org} would {verb} {subject} in {place} before the "
        f"end of the month, after {figure:,} residents signed a petition about the issue.",
        f"Speaking to reporters outside the municipal offices in {place}, {person} said the decision "
        f"followed "
        f"weeks of talks and that about {share} percent of the budget for {other} would be moved as well.",
        f"{org} confirmed the plan in a short statement and said its engineers had finished an assessment "
        f"of {subject}. Local councillors asked for the full document, number {number}, to be published.",
        f"Critics said the timetable was unrealistic. Traders in the old market of {place} said they had "
        f"heard such promises before and would judge {org} on what happened in the coming weeks.",
    ]
    if alert:
        text.insert(
            2,
            f"Observers from the {ALERT_ORG} said they would monitor how {org} carried out the "
            f"plan and report on {subject} every quarter.",
        )
    middle = text[1:-1]
    rng.shuffle(middle)
    return [text[0], *middle, text[-1]]


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
