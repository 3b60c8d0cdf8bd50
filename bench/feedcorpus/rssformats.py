"""RSS writers: RSS 2.0 in the styles of the software and publishers that write it, RSS 0.91/0.92 and the RDF
formats (RSS 0.90, RSS 1.0). Each returns the document as text, without an XML declaration."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from bench.feedcorpus.formats import ATOM, CONTENT, DC, ITUNES, MEDIA, SY, cdata, esc, optional
from bench.feedcorpus.model import Entry, Source


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
      {optional("pubDate", e.date_text)}
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
      {optional("pubDate", e.date_text)}
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
		{optional("pubDate", e.date_text)}
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
  {optional("pubDate", e.date_text)}
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
        f"""{optional("pubDate", e.date_text)}"""
        f"""<media:content url="https://{source.host}/content/images/{e.number}.jpg" """
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
        f"""<dc:creator>{cdata(e.author)}</dc:creator>{optional("pubDate", e.date_text)}"""
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
        f"""<dc:creator>{cdata(e.author)}</dc:creator>{optional("pubDate", e.date_text)}"""
        f"""{optional("atom:updated", e.extra_date)}"""
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
      {optional("pubDate", e.date_text)}
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
      {optional("pubDate", e.date_text)}
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
{optional("pubDate", e.date_text)}
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
{optional("dc:date", e.date_text)}
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
