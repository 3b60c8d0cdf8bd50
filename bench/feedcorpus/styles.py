"""Publisher styles: which writer, format, date style, content type and link shape each one has."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.feedcorpus import formats, rssformats
from bench.feedcorpus.formats import Writer

LinkShape = Callable[[str, str, int], str]  # host, slug, number → the item's URL


@dataclass(frozen=True, slots=True)
class Style:
    writer: Writer
    format: str
    dates: str | None  # a key of model.DATE_STYLES; "date_only"; None: the format has no item dates
    content_type: str
    link: LinkShape
    extra_dates: str | None = None  # the style writes an updated/modified date beside the published one
    titles: bool = True  # False: the items have no titles (micro-blog posts, plain sitemaps, indexes)
    relative_links: bool = False


def _dated(host: str, slug: str, number: int) -> str:
    return f"https://{host}/2024/03/05/{slug}/"


def _tracked(host: str, slug: str, number: int) -> str:
    return f"https://{host}/news/{slug}?utm_source=rss&utm_medium=feed&id={number}"


def _section(host: str, slug: str, number: int) -> str:
    return f"https://{host}/world/{slug}"


def _node(host: str, slug: str, number: int) -> str:
    return f"https://{host}/node/{4100 + number}"


def _plain(host: str, slug: str, number: int) -> str:
    return f"https://{host}/{slug}/"


def _post(host: str, slug: str, number: int) -> str:
    return f"https://{host}/p/{slug}"


def _medium(host: str, slug: str, number: int) -> str:
    return f"https://{host}/@writer/{slug}-{number:012x}?source=rss----{number:08x}---4"


def _episode(host: str, slug: str, number: int) -> str:
    return f"https://{host}/episodes/{number}"


def _press(host: str, slug: str, number: int) -> str:
    return f"https://{host}/press-releases/2024/{slug}.html"


def _blogger(host: str, slug: str, number: int) -> str:
    return f"https://{host}/2024/03/{slug[:40].strip('-')}.html"


def _posts(host: str, slug: str, number: int) -> str:
    return f"https://{host}/posts/{slug}/"


def _php(host: str, slug: str, number: int) -> str:
    return f"http://{host}/article.php?story={number}"


def _child(host: str, slug: str, number: int) -> str:
    return f"https://{host}/sitemaps/post-2024-{number:02d}.xml"


RSS = "application/rss+xml"
ATOM = "application/atom+xml"
STYLES: dict[str, Style] = {
    "agency": Style(rssformats.rss_agency, "rss2", "rfc822_gmt", RSS, _section),
    "newspaper": Style(rssformats.rss_newspaper, "rss2", "rfc822_local", RSS, _tracked),
    "wordpress": Style(rssformats.rss_wordpress, "rss2", "rfc822_utc", RSS, _dated),
    "drupal": Style(rssformats.rss_drupal, "rss2", "rfc822_local", RSS, _node),
    "ghost": Style(rssformats.rss_ghost, "rss2", "rfc822_gmt", RSS, _plain),
    "substack": Style(rssformats.rss_substack, "rss2", "rfc822_gmt", "application/xml", _post),
    "medium": Style(rssformats.rss_medium, "rss2", "rfc822_gmt", "text/xml", _medium, extra_dates="iso_z"),
    "hugo": Style(rssformats.rss_hugo, "rss2", "rfc822_local", "application/xml", _posts),
    "podcast": Style(rssformats.rss_podcast, "rss2", "rfc822_short_day", RSS, _episode),
    "gov_rss": Style(rssformats.rss_gov, "rss2", "rfc822_local", "text/xml", _press),
    "rss091": Style(rssformats.rss091, "rss091", None, "text/xml", _php),
    "rss092": Style(rssformats.rss092, "rss092", None, "text/xml", _php),
    "ngo_rdf": Style(rssformats.rdf10, "rdf10", "iso_local", "application/rdf+xml", _section),
    "rss090": Style(rssformats.rss090, "rss090", None, "application/rdf+xml", _php),
    "blogger": Style(formats.atom_blogger, "atom10", "iso_millis", ATOM, _blogger, extra_dates="iso_millis"),
    "jekyll": Style(formats.atom_jekyll, "atom10", "iso_local", ATOM, _posts),
    "gov_atom": Style(formats.atom_gov, "atom10", "iso_local", ATOM, _press),
    "newspaper_atom": Style(formats.atom_newspaper, "atom10", "iso_z", ATOM, _dated, extra_dates="iso_z"),
    "static_atom": Style(formats.atom_static, "atom10", "iso_local", ATOM, _posts, relative_links=True),
    "atom03": Style(formats.atom03, "atom03", "iso_local", ATOM, _php, extra_dates="iso_z"),
    "json10": Style(formats.json10, "json10", "iso_local", "application/json", _plain),
    "json11": Style(formats.json11, "json11", "iso_z", "application/feed+json", _post),
    "microblog": Style(formats.json_microblog, "json10", "iso_local", "application/json", _dated, titles=False),
    "sitemap": Style(formats.sitemap, "sitemap", "date_only", "application/xml", _section, titles=False),
    "sitemap_w3c": Style(formats.sitemap, "sitemap", "iso_minutes", "application/xml", _dated, titles=False),
    "news_sitemap": Style(formats.news_sitemap, "news_sitemap", "iso_local", "application/xml", _section),
    "sitemap_index": Style(formats.sitemap_index, "sitemap_index", None, "application/xml", _child, titles=False),
}
XML_FEED_STYLES = [name for name, style in STYLES.items() if style.format.startswith(("rss", "rdf", "atom"))]
JSON_STYLES = [name for name, style in STYLES.items() if style.format.startswith("json")]
SITEMAP_STYLES = [name for name, style in STYLES.items() if "sitemap" in style.format]
