"""Document writers: one function per publisher style or format, each writing a feed the way that software does.

A writer gets the feed's :class:`Source` and its :class:`Entry` list (dates already rendered in the style's own
way) and returns the document as text, without an XML declaration: :func:`bench.feedcorpus.model.encoded` adds
the declaration, the byte-order mark and the bytes. The RSS family is in :mod:`bench.feedcorpus.rssformats`;
here are the shared helpers, Atom 1.0 and 0.3, JSON Feed and the sitemaps.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from xml.sax.saxutils import escape, quoteattr

from bench.feedcorpus.model import Entry, Source

Writer = Callable[[Source, list[Entry]], str]

DC = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'
CONTENT = 'xmlns:content="http://purl.org/rss/1.0/modules/content/"'
ATOM = 'xmlns:atom="http://www.w3.org/2005/Atom"'
MEDIA = 'xmlns:media="http://search.yahoo.com/mrss/"'
SY = 'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"'
ITUNES = 'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
DCTERMS = 'xmlns:dcterms="http://purl.org/dc/terms/"'


def esc(text: str) -> str:
    return escape(text)


def cdata(text: str) -> str:
    return f"<![CDATA[{text}]]>"


def optional(tag: str, value: str | None) -> str:
    return f"<{tag}>{value}</{tag}>" if value is not None else ""


# 1. Atom 1.0 and 0.3 -------------------------------------------------------------------------------------------------


def atom_blogger(source: Source, entries: list[Entry]) -> str:
    blog = 7_000_000 + len(source.host)
    items = [
        f"""<entry><id>tag:blogger.com,1999:blog-{blog}.post-{90_000 + e.number}</id>"""
        f"""{optional("published", e.date_text)}"""
        f"""{optional("updated", e.extra_date or e.date_text)}"""
        "<category scheme='http://www.blogger.com/atom/ns#' term='news'/>"
        f"""<title type='text'>{esc(e.title or "")}</title>"""
        f"""<content type='html'>{esc("<p>" + e.summary + "</p>")}</content>"""
        f"""<link rel='replies' type='application/atom+xml' href='{source.site}feeds/{e.number}/comments/default' """
        "title='Post Comments'/>"
        f"""<link rel='edit' type='application/atom+xml' href='https://www.blogger.example/feeds/{blog}/posts/default/{e.number}'/>"""
        f"""<link rel='self' type='application/atom+xml' href='https://www.blogger.example/feeds/{blog}/posts/default/{e.number}'/>"""
        f"""<link rel='alternate' type='text/html' href={quoteattr(e.written_link)} """
        f"""title={quoteattr(e.title or "")}/>"""
        f"""<author><name>{esc(e.author)}</name><email>noreply@blogger.example</email></author>"""
        f"""<thr:total>{e.number % 5}</thr:total></entry>"""
        for e in entries
    ]
    return (
        "<feed xmlns='http://www.w3.org/2005/Atom' xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' "
        "xmlns:blogger='http://schemas.google.com/blogger/2008' xmlns:thr='http://purl.org/syndication/thread/1.0'>"
        f"<id>tag:blogger.com,1999:blog-{blog}</id><updated>2024-03-05T12:00:00.000+00:00</updated>"
        f"<title type='text'>{esc(source.title)}</title><subtitle type='html'>{esc(source.description)}</subtitle>"
        f"<link rel='self' type='application/atom+xml' href='{source.feed_url}'/>"
        f"<link rel='alternate' type='text/html' href='{source.site}'/><generator version='7.00' uri='https://www.blogger.example'>Blogger</generator>"
        f"<openSearch:totalResults>{len(entries)}</openSearch:totalResults>{''.join(items)}</feed>"
    )


def atom_jekyll(source: Source, entries: list[Entry]) -> str:
    items = [
        f"""<entry><title type="html">{esc(e.title or "")}</title>"""
        f"""<link href={quoteattr(e.written_link)} rel="alternate" type="text/html" """
        f"""title={quoteattr(e.title or "")} />"""
        f"""{optional("published", e.date_text)}{optional("updated", e.extra_date or e.date_text)}"""
        f"""<id>{esc(e.link)}</id>"""
        f"""<content type="html" xml:base={quoteattr(e.link)}>{esc("<p>" + e.summary + "</p>")}</content>"""
        f"""<author><name>{esc(e.author)}</name></author><summary type="html">{esc(e.summary)}</summary></entry>"""
        for e in entries
    ]
    return (
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{source.language}">'
        '<generator uri="https://jekyllrb.com/" version="4.3.3">Jekyll</generator>'
        f'<link href="{source.feed_url}" rel="self" type="application/atom+xml" />'
        f'<link href="{source.site}" rel="alternate" type="text/html" hreflang="{source.language}" />'
        f"<updated>2024-03-05T12:00:00+00:00</updated><id>{source.feed_url}</id>"
        f'<title type="html">{esc(source.title)}</title><subtitle>{esc(source.description)}</subtitle>'
        f"{''.join(items)}</feed>"
    )


def atom_gov(source: Source, entries: list[Entry]) -> str:
    items = [
        f"""  <entry>
    <id>tag:{source.host},2005:/government/news/{e.number}</id>
    {optional("updated", e.date_text)}
    <link rel="alternate" type="text/html" href={quoteattr(e.written_link)}/>
    <title>{esc(e.title or "")}</title>
    <summary type="html">{esc(e.summary)}</summary>
  </entry>"""
        for e in entries
    ]
    return f"""<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{source.language}">
  <id>https://{source.host}/search/news-and-communications</id>
  <link rel="self" type="application/atom+xml" href="{source.feed_url}"/>
  <link rel="alternate" type="text/html" href="{source.site}"/>
  <title>{esc(source.title)}</title>
  <updated>2024-03-05T12:00:00+00:00</updated>
{chr(10).join(items)}
</feed>
"""


def atom_newspaper(source: Source, entries: list[Entry]) -> str:
    items = [
        f"""	<entry>
		<author><name>{esc(e.author)}</name></author>
		<title type="html"><![CDATA[{e.title or ""}]]></title>
		<link rel="alternate" type="text/html" href={quoteattr(e.written_link)} />
		<id>{source.site}?p={3000 + e.number}</id>
		{optional("updated", e.extra_date or e.date_text)}
		{optional("published", e.date_text)}
		<category scheme="{source.site}" term="World" />
		<summary type="html"><![CDATA[{e.summary}]]></summary>
		<content type="html" xml:base={quoteattr(e.link)}><![CDATA[<p>{e.summary}</p>]]></content>
	</entry>"""
        for e in entries
    ]
    return f"""<feed
  xmlns="http://www.w3.org/2005/Atom"
  xmlns:thr="http://purl.org/syndication/thread/1.0"
  xml:lang="{source.language}"
  >
	<title type="text">{esc(source.title)}</title>
	<subtitle type="text">{esc(source.description)}</subtitle>
	<updated>2024-03-05T12:00:00Z</updated>
	<link rel="alternate" type="text/html" href="{source.site}" />
	<id>{source.feed_url}</id>
	<link rel="self" type="application/atom+xml" href="{source.feed_url}" />
	<generator uri="https://wordpress.org/" version="6.4.3">WordPress</generator>
{chr(10).join(items)}
</feed>
"""


def atom_static(source: Source, entries: list[Entry]) -> str:
    """A static-site generator's Atom feed: ``xml:base`` on the feed, site-relative links."""
    items = [
        f"""<entry><title>{esc(e.title or "")}</title>{optional("published", e.date_text)}"""
        f"""{optional("updated", e.extra_date or e.date_text)}"""
        f"""<link rel="alternate" href={quoteattr(e.written_link)} type="text/html"/>"""
        f"""<id>{esc(e.link)}</id><content type="html">{esc("<p>" + e.summary + "</p>")}</content></entry>"""
        for e in entries
    ]
    return (
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{source.site}" xml:lang="{source.language}">'
        f"<title>{esc(source.title)}</title><subtitle>{esc(source.description)}</subtitle>"
        f'<link href="{source.feed_url}" rel="self" type="application/atom+xml"/><link href="/"/>'
        '<generator uri="https://www.getzola.org/">Zola</generator><updated>2024-03-05T12:00:00+00:00</updated>'
        f"<id>{source.feed_url}</id><author><name>{esc(source.title)}</name></author>{''.join(items)}</feed>"
    )


def atom03(source: Source, entries: list[Entry]) -> str:
    items = [
        f"""<entry>
<title>{esc(e.title or "")}</title>
<link rel="alternate" type="text/html" href={quoteattr(e.written_link)}/>
<id>tag:{source.host},2004:{e.number}</id>
{optional("issued", e.date_text)}
{optional("modified", e.extra_date or e.date_text)}
<summary type="text/plain">{esc(e.summary)}</summary>
<author><name>{esc(e.author)}</name></author>
</entry>"""
        for e in entries
    ]
    return f"""<feed version="0.3" xmlns="http://purl.org/atom/ns#" xml:lang="{source.language}">
<title mode="escaped" type="text/html">{esc(source.title)}</title>
<link rel="alternate" type="text/html" href="{source.site}"/>
<tagline>{esc(source.description)}</tagline>
<modified>2024-03-05T12:00:00Z</modified>
<generator url="https://www.movabletype.example/" version="3.2">Movable Type</generator>
{chr(10).join(items)}
</feed>
"""


# 2. JSON Feed ---------------------------------------------------------------------------------------------------------


def _json_item(e: Entry, version: str) -> dict[str, object]:
    item: dict[str, object] = {"id": f"{e.link}#{e.number}", "url": e.written_link}
    if e.title is not None:
        item["title"] = e.title
    item["content_html"] = f"<p>{e.summary}</p>"
    item["summary"] = e.summary
    if e.date_text is not None:
        item["date_published"] = e.date_text
    if e.extra_date is not None:
        item["date_modified"] = e.extra_date
    item["tags"] = ["news"]
    if version == "1.1":
        item["authors"] = [{"name": e.author}]
    else:
        item["author"] = {"name": e.author}
    return item


def _json_feed(source: Source, entries: list[Entry], version: str, indent: bool) -> str:
    document: dict[str, object] = {
        "version": f"https://jsonfeed.org/version/{version}",
        "title": source.title,
        "home_page_url": source.site,
        "feed_url": source.feed_url,
        "description": source.description,
    }
    if version == "1.1":
        document["language"] = source.language
    document["items"] = [_json_item(e, version) for e in entries]
    return json.dumps(document, ensure_ascii=not indent, indent=2 if indent else None)


def json10(source: Source, entries: list[Entry]) -> str:
    return _json_feed(source, entries, "1", indent=False)


def json11(source: Source, entries: list[Entry]) -> str:
    return _json_feed(source, entries, "1.1", indent=True)


def json_microblog(source: Source, entries: list[Entry]) -> str:
    """Short posts without titles, as micro-blogging services publish them."""
    document = {
        "version": "https://jsonfeed.org/version/1",
        "title": source.title,
        "home_page_url": source.site,
        "feed_url": source.feed_url,
        "author": {"name": source.title, "url": source.site},
        "items": [
            {"id": e.link, "url": e.written_link, "content_html": f"<p>{e.summary}</p>", "date_published": e.date_text}
            for e in entries
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


# 3. Sitemaps ----------------------------------------------------------------------------------------------------------

SITEMAP_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def sitemap(source: Source, entries: list[Entry]) -> str:
    urls = [
        f"  <url>\n    <loc>{esc(e.written_link)}</loc>\n    {optional('lastmod', e.date_text)}\n"
        f"    <changefreq>daily</changefreq>\n    <priority>0.{5 + e.number % 5}</priority>\n  </url>"
        for e in entries
    ]
    return f"<urlset {SITEMAP_NS}>\n{chr(10).join(urls)}\n</urlset>\n"


def news_sitemap(source: Source, entries: list[Entry]) -> str:
    urls = [
        f"""<url><loc>{esc(e.written_link)}</loc><news:news><news:publication><news:name>{esc(source.title)}</news:name>"""
        f"""<news:language>{source.language}</news:language></news:publication>"""
        f"""{optional("news:publication_date", e.date_text)}<news:title>{esc(e.title or "")}</news:title>"""
        f"""<news:keywords>politics, {esc(source.language)}</news:keywords></news:news>"""
        f"""<image:image><image:loc>https://img.{source.host}/{e.number}.jpg</image:loc></image:image></url>"""
        for e in entries
    ]
    return (
        f'<urlset {SITEMAP_NS} xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" '
        f'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">{"".join(urls)}</urlset>'
    )


def sitemap_index(source: Source, entries: list[Entry]) -> str:
    children = [
        f"<sitemap><loc>{esc(e.written_link)}</loc>{optional('lastmod', e.date_text)}</sitemap>" for e in entries
    ]
    return f"<sitemapindex {SITEMAP_NS}>\n" + "\n".join(children) + "\n</sitemapindex>\n"
