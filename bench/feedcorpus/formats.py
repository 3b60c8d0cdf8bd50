"""Document writers: one function per publisher style or format, each writing a feed the way that software does.

A writer gets the feed's :class:`Source` and its :class:`Entry` list (dates already rendered in the style's own
way) and returns the document as text, without an XML declaration: :func:`bench.feedcorpus.model.encoded` adds
the declaration, the byte-order mark and the bytes.
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


def _opt(tag: str, value: str | None) -> str:
    return f"<{tag}>{value}</{tag}>" if value is not None else ""


def _channel(source: Source, items: list[str], namespaces: str = "", extra: str = "", version: str = "2.0") -> str:
    head = (
        f"<title>{esc(source.title)}</title>\n    <link>{esc(source.site)}</link>\n"
        f"    <description>{esc(source.description)}</description>\n    <language>{source.language}</language>\n"
    )
    body = "\n".join(items)
    opening = f'<rss version="{version}"{" " + namespaces if namespaces else ""}>'
    return f"{opening}\n  <channel>\n    {head}{extra}{body}\n  </channel>\n</rss>\n"


# 1. RSS 2.0 in the styles of the software and publishers that write it --------------------------------------------


def rss_agency(source: Source, entries: list[Entry]) -> str:
    items = [
        f"""    <item>
      <title>{esc(e.title or "")}</title>
      <link>{esc(e.written_link)}</link>
      <guid isPermaLink="false">urn:newsml:{source.host}:20240305:{e.number}</guid>
      {_opt("pubDate", e.date_text)}
      <description>{esc(e.summary)}</description>
      <category>World</category>
      <dc:creator>{esc(e.author)}</dc:creator>
      <media:content url="https://cdn.{source.host}/photo/{e.number}.jpg" medium="image" type="image/jpeg" width="800"/>
    </item>"""
        for e in entries
    ]
    return _channel(source, items, f"{DC} {MEDIA} {ATOM}", f'    <atom:link href="{source.feed_url}" rel="self"/>\n')


def rss_newspaper(source: Source, entries: list[Entry]) -> str:
    items = [
        f"""    <item>
      <title>{esc(e.title or "")}</title>
      <link>{esc(e.written_link)}</link>
      <description>&lt;p&gt;{esc(esc(e.summary))}&lt;/p&gt;</description>
      <category>Politics</category><category>Local</category>
      {_opt("pubDate", e.date_text)}
      <guid>{esc(e.link)}</guid>
      <media:thumbnail url="https://img.{source.host}/{e.number}/thumb.jpg" width="140" height="84"/>
    </item>"""
        for e in entries
    ]
    extra = (
        f'    <atom:link href="{source.feed_url}" rel="self" type="application/rss+xml"/>\n'
        f"    <image><url>https://{source.host}/logo.png</url><title>{esc(source.title)}</title>"
        f"<link>{esc(source.site)}</link></image>\n    <ttl>15</ttl>\n"
    )
    return _channel(source, items, f"{MEDIA} {ATOM}", extra)


def _wp_refs(text: str) -> str:
    """WordPress writes typographic punctuation as numeric references in titles."""
    refs = {"’": "&#8217;", "‘": "&#8216;", "“": "&#8220;", "”": "&#8221;", "—": "&#8212;", "–": "&#8211;"}
    return "".join(refs.get(ch, ch) for ch in esc(text))


def rss_wordpress(source: Source, entries: list[Entry]) -> str:
    items = [
        f"""		<item>
		<title>{_wp_refs(e.title or "")}</title>
		<link>{esc(e.written_link)}</link>
					<comments>{esc(e.link)}#respond</comments>
		<dc:creator><![CDATA[{e.author}]]></dc:creator>
		{_opt("pubDate", e.date_text)}
				<category><![CDATA[News]]></category>
		<guid isPermaLink="false">{source.site}?p={1000 + e.number}</guid>
					<description><![CDATA[{e.summary} [&#8230;]]]></description>
										<content:encoded><![CDATA[<p>{e.summary}</p>
<p>The post <a href="{e.link}">appeared first</a> on {source.title}.</p>]]></content:encoded>
					<wfw:commentRss>{esc(e.link)}feed/</wfw:commentRss>
			<slash:comments>{e.number % 7}</slash:comments>
		</item>"""
        for e in entries
    ]
    namespaces = (
        f'{CONTENT} xmlns:wfw="http://wellformedweb.org/CommentAPI/" {DC} {ATOM} {SY} '
        'xmlns:slash="http://purl.org/rss/1.0/modules/slash/"'
    )
    extra = (
        f'	<atom:link href="{source.feed_url}" rel="self" type="application/rss+xml" />\n'
        "	<lastBuildDate>Tue, 05 Mar 2024 12:00:00 +0000</lastBuildDate>\n"
        "	<sy:updatePeriod>\n	hourly	</sy:updatePeriod>\n	<sy:updateFrequency>\n	1	</sy:updateFrequency>\n"
        "	<generator>https://wordpress.org/?v=6.4.3</generator>\n"
    )
    return _channel(source, items, namespaces, extra)


def rss_drupal(source: Source, entries: list[Entry]) -> str:
    items = [
        f"""  <item>
    <title>{esc(e.title or "")}</title>
    <link>{esc(e.written_link)}</link>
    <description>&lt;span&gt;{esc(esc(e.title or ""))}&lt;/span&gt;
&lt;div&gt;&lt;p&gt;{esc(esc(e.summary))}&lt;/p&gt;&lt;/div&gt;</description>
  {_opt("pubDate", e.date_text)}
    <dc:creator>{esc(e.author)}</dc:creator>
    <guid isPermaLink="false">{200 + e.number} at {source.site.rstrip("/")}</guid>
  </item>"""
        for e in entries
    ]
    text = _channel(source, items, f'xml:base="{source.site}" {DC}')
    return text


def rss_ghost(source: Source, entries: list[Entry]) -> str:
    items = [
        f"""<item><title>{cdata(e.title or "")}</title><description>{cdata(e.summary)}</description>"""
        f"""<link>{esc(e.written_link)}</link><guid isPermaLink="false">65e6{e.number:020x}</guid>"""
        f"""<category>{cdata("Essays")}</category><dc:creator>{cdata(e.author)}</dc:creator>"""
        f"""{_opt("pubDate", e.date_text)}<media:content url="https://{source.host}/content/images/{e.number}.jpg" """
        f"""medium="image"/><content:encoded>{cdata("<p>" + e.summary + "</p>")}</content:encoded></item>"""
        for e in entries
    ]
    head = (
        f"<title>{cdata(source.title)}</title><description>{cdata(source.description)}</description>"
        f"<link>{esc(source.site)}</link><generator>Ghost 5.79</generator>"
        "<lastBuildDate>Tue, 05 Mar 2024 12:00:00 GMT</lastBuildDate>"
        f'<atom:link href="{source.feed_url}" rel="self" type="application/rss+xml"/><ttl>60</ttl>'
    )
    opening = f'<rss xmlns:dc="http://purl.org/dc/elements/1.1/" {CONTENT} {ATOM} {MEDIA} version="2.0">'
    return f"{opening}<channel>{head}{''.join(items)}</channel></rss>"


def rss_substack(source: Source, entries: list[Entry]) -> str:
    items = [
        f"""<item><title>{cdata(e.title or "")}</title><description>{cdata(e.summary)}</description>"""
        f"""<link>{esc(e.written_link)}</link><guid isPermaLink="false">{esc(e.link)}</guid>"""
        f"""<dc:creator>{cdata(e.author)}</dc:creator>{_opt("pubDate", e.date_text)}"""
        f"""<enclosure url="https://substackcdn.example/image/{e.number}.jpeg" length="0" type="image/jpeg"/>"""
        f"""<content:encoded>{cdata("<p>" + e.summary + "</p><div class='subscription-widget'>Subscribe</div>")}"""
        "</content:encoded></item>"
        for e in entries
    ]
    head = (
        f"<title>{cdata(source.title)}</title><description>{cdata(source.description)}</description>"
        f"<link>{esc(source.site)}</link><generator>Substack</generator>"
        "<lastBuildDate>Tue, 05 Mar 2024 12:00:00 GMT</lastBuildDate>"
        f'<atom:link href="{source.feed_url}" rel="self" type="application/rss+xml"/>'
        f"<copyright>{cdata(source.title)}</copyright><language>{cdata(source.language)}</language>"
        "<itunes:block>Yes</itunes:block>"
    )
    namespaces = f"{DC} {CONTENT} {ATOM} {ITUNES}"
    return f'<rss {namespaces} version="2.0"><channel>{head}{"".join(items)}</channel></rss>'


def rss_medium(source: Source, entries: list[Entry]) -> str:
    items = [
        f"""<item><title>{cdata(e.title or "")}</title><link>{esc(e.written_link)}</link>"""
        f"""<guid isPermaLink="false">https://medium.example/p/{e.number:012x}</guid>"""
        f"""<category>{cdata("technology")}</category><category>{cdata("policy")}</category>"""
        f"""<dc:creator>{cdata(e.author)}</dc:creator>{_opt("pubDate", e.date_text)}"""
        f"""{_opt("atom:updated", e.extra_date)}"""
        f"""<content:encoded>{cdata("<h3>" + (e.title or "") + "</h3><p>" + e.summary + "</p>")}"""
        "</content:encoded></item>"
        for e in entries
    ]
    head = (
        f"<title>{cdata(source.title)}</title><description>{cdata(source.description)}</description>"
        f"<link>{esc(source.site)}</link><generator>Medium</generator>"
        "<lastBuildDate>Tue, 05 Mar 2024 12:00:00 GMT</lastBuildDate>"
        f'<atom:link href="{source.feed_url}" rel="self" type="application/rss+xml"/>'
        "<webMaster><![CDATA[yourfriends@medium.com]]></webMaster>"
        '<atom:link href="http://medium.superfeedr.com" rel="hub"/>'
    )
    opening = (
        f'<rss xmlns:dc="http://purl.org/dc/elements/1.1/" {CONTENT} {ATOM} '
        'xmlns:cc="http://cyber.law.harvard.edu/rss/creativeCommonsRssModule.html" version="2.0">'
    )
    return f"{opening}<channel>{head}{''.join(items)}</channel></rss>"


def rss_hugo(source: Source, entries: list[Entry]) -> str:
    items = [
        f"""    <item>
      <title>{esc(e.title or "")}</title>
      <link>{esc(e.written_link)}</link>
      {_opt("pubDate", e.date_text)}
      <guid>{esc(e.link)}</guid>
      <description>{esc("<p>" + e.summary + "</p>")}</description>
    </item>"""
        for e in entries
    ]
    extra = (
        "    <generator>Hugo -- gohugo.io</generator>\n"
        "    <lastBuildDate>Tue, 05 Mar 2024 12:00:00 +0100</lastBuildDate>\n"
        f'    <atom:link href="{source.feed_url}" rel="self" type="application/rss+xml" />\n'
    )
    return _channel(source, items, ATOM, extra)


def rss_podcast(source: Source, entries: list[Entry]) -> str:
    items = [
        f"""    <item>
      <title>{esc(e.title or "")}</title>
      <itunes:title>{esc(e.title or "")}</itunes:title>
      <link>{esc(e.written_link)}</link>
      <description>{cdata("<p>" + e.summary + "</p>")}</description>
      <enclosure url="{_episode_url(source, e)}" length="{31_000_000 + e.number}" type="audio/mpeg"/>
      <guid isPermaLink="false">podcast-{source.host}-{e.number}</guid>
      {_opt("pubDate", e.date_text)}
      <itunes:duration>{40 + e.number % 20}:{e.number % 60:02d}</itunes:duration>
      <itunes:episode>{e.number}</itunes:episode>
      <itunes:explicit>false</itunes:explicit>
    </item>"""
        for e in entries
    ]
    extra = (
        f"    <itunes:author>{esc(source.title)}</itunes:author>\n"
        '    <itunes:category text="News"><itunes:category text="Daily News"/></itunes:category>\n'
        f'    <itunes:image href="https://media.{source.host}/cover.jpg"/>\n'
        "    <itunes:explicit>false</itunes:explicit>\n"
    )
    return _channel(source, items, f'{ITUNES} xmlns:podcast="https://podcastindex.org/namespace/1.0"', extra)


def _episode_url(source: Source, entry: Entry) -> str:
    return f"https://media.{source.host}/episodes/{entry.number}.mp3"


def rss_gov(source: Source, entries: list[Entry]) -> str:
    """A press-release list: no ``<link>``, the permalink ``<guid>`` is the item's address."""
    items = [
        f"""<item>
<title>{esc(e.title or "")}</title>
<description>{esc(e.summary)}</description>
{_opt("pubDate", e.date_text)}
<guid>{esc(e.written_link)}</guid>
<category>Press releases</category>
</item>"""
        for e in entries
    ]
    extra = "<managingEditor>press@{0} (Press Office)</managingEditor>\n<docs>https://www.rssboard.org/rss-specification</docs>\n"
    return _channel(source, items, "", extra.format(source.host))


# 2. RSS 0.9x and RSS 1.0 (RDF) ---------------------------------------------------------------------------------------

NETSCAPE_DTD = (
    '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"\n'
    ' "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
)


def rss091(source: Source, entries: list[Entry]) -> str:
    items = [
        f"<item>\n<title>{esc(e.title or '')}</title>\n<link>{esc(e.written_link)}</link>\n"
        f"<description>{esc(e.summary)}</description>\n</item>"
        for e in entries
    ]
    extra = (
        f"<image>\n<title>{esc(source.title)}</title>\n<url>https://{source.host}/logo.gif</url>\n"
        f"<link>{esc(source.site)}</link>\n</image>\n<webMaster>web@{source.host}</webMaster>\n"
    )
    return NETSCAPE_DTD + _channel(source, items, "", extra, version="0.91")


def rss092(source: Source, entries: list[Entry]) -> str:
    items = [
        f"<item>\n<title>{esc(e.title or '')}</title>\n<description>{esc(e.summary)}</description>\n"
        f"<link>{esc(e.written_link)}</link>\n<category>Updates</category>\n"
        f'<source url="{source.feed_url}">{esc(source.title)}</source>\n</item>'
        for e in entries
    ]
    extra = '<cloud domain="rpc.sys.example" port="80" path="/RPC2" registerProcedure="pingMe" protocol="soap"/>\n'
    return _channel(source, items, "", extra, version="0.92")


def rdf10(source: Source, entries: list[Entry]) -> str:
    seq = "".join(f"<rdf:li rdf:resource={quoteattr(e.link)}/>\n" for e in entries)
    items = [
        f"""<item rdf:about={quoteattr(e.link)}>
<title>{esc(e.title or "")}</title>
<link>{esc(e.written_link)}</link>
<description>{esc(e.summary)}</description>
{_opt("dc:date", e.date_text)}
<dc:creator>{esc(e.author)}</dc:creator>
<dc:subject>Human rights</dc:subject>
</item>"""
        for e in entries
    ]
    return f"""<rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/"
 {DC} {SY}>
<channel rdf:about="{source.feed_url}">
<title>{esc(source.title)}</title>
<link>{esc(source.site)}</link>
<description>{esc(source.description)}</description>
<dc:language>{source.language}</dc:language>
<sy:updatePeriod>daily</sy:updatePeriod>
<items><rdf:Seq>
{seq}</rdf:Seq></items>
</channel>
{chr(10).join(items)}
</rdf:RDF>
"""


def rss090(source: Source, entries: list[Entry]) -> str:
    items = [
        f"<item>\n<title>{esc(e.title or '')}</title>\n<link>{esc(e.written_link)}</link>\n</item>" for e in entries
    ]
    return f"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/">
<channel>
<title>{esc(source.title)}</title>
<link>{esc(source.site)}</link>
<description>{esc(source.description)}</description>
</channel>
{chr(10).join(items)}
</rdf:RDF>
"""


# 3. Atom 1.0 and 0.3 -------------------------------------------------------------------------------------------------


def atom_blogger(source: Source, entries: list[Entry]) -> str:
    blog = 7_000_000 + len(source.host)
    items = [
        f"""<entry><id>tag:blogger.com,1999:blog-{blog}.post-{90_000 + e.number}</id>{_opt("published", e.date_text)}"""
        f"""{_opt("updated", e.extra_date or e.date_text)}"""
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
        f"""{_opt("published", e.date_text)}{_opt("updated", e.extra_date or e.date_text)}<id>{esc(e.link)}</id>"""
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
    {_opt("updated", e.date_text)}
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
		{_opt("updated", e.extra_date or e.date_text)}
		{_opt("published", e.date_text)}
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
        f"""<entry><title>{esc(e.title or "")}</title>{_opt("published", e.date_text)}"""
        f"""{_opt("updated", e.extra_date or e.date_text)}"""
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
{_opt("issued", e.date_text)}
{_opt("modified", e.extra_date or e.date_text)}
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


# 4. JSON Feed ---------------------------------------------------------------------------------------------------------


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


# 5. Sitemaps ----------------------------------------------------------------------------------------------------------

SITEMAP_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def sitemap(source: Source, entries: list[Entry]) -> str:
    urls = [
        f"  <url>\n    <loc>{esc(e.written_link)}</loc>\n    {_opt('lastmod', e.date_text)}\n"
        f"    <changefreq>daily</changefreq>\n    <priority>0.{5 + e.number % 5}</priority>\n  </url>"
        for e in entries
    ]
    return f"<urlset {SITEMAP_NS}>\n{chr(10).join(urls)}\n</urlset>\n"


def news_sitemap(source: Source, entries: list[Entry]) -> str:
    urls = [
        f"""<url><loc>{esc(e.written_link)}</loc><news:news><news:publication><news:name>{esc(source.title)}</news:name>"""
        f"""<news:language>{source.language}</news:language></news:publication>"""
        f"""{_opt("news:publication_date", e.date_text)}<news:title>{esc(e.title or "")}</news:title>"""
        f"""<news:keywords>politics, {esc(source.language)}</news:keywords></news:news>"""
        f"""<image:image><image:loc>https://img.{source.host}/{e.number}.jpg</image:loc></image:image></url>"""
        for e in entries
    ]
    return (
        f'<urlset {SITEMAP_NS} xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" '
        f'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">{"".join(urls)}</urlset>'
    )


def sitemap_index(source: Source, entries: list[Entry]) -> str:
    children = [f"<sitemap><loc>{esc(e.written_link)}</loc>{_opt('lastmod', e.date_text)}</sitemap>" for e in entries]
    return f"<sitemapindex {SITEMAP_NS}>\n" + "\n".join(children) + "\n</sitemapindex>\n"
