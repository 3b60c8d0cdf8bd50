"""The corpus: every publisher style in several languages and encodings, then each failure kind of issue 15
(:mod:`bench.feedcorpus.failures`) and real-world variants beyond it (:mod:`bench.feedcorpus.variants`)."""

from __future__ import annotations

from bench.feedcorpus.build import make
from bench.feedcorpus.failures import failure_feeds
from bench.feedcorpus.model import CorpusFeed
from bench.feedcorpus.styles import JSON_STYLES, SITEMAP_STYLES, STYLES, XML_FEED_STYLES
from bench.feedcorpus.variants import variant_feeds

# language, Python codec, declared label (None: no declaration), header charset, UTF-8 BOM
Combo = tuple[str, str, str | None, str | None, bool]
COMBOS: list[Combo] = [
    ("en", "utf-8", "UTF-8", None, False),
    ("en", "utf-8", None, None, False),
    ("en", "cp1252", "windows-1252", None, False),
    ("fr", "iso-8859-1", "ISO-8859-1", None, False),
    ("fr", "utf-8", "utf-8", None, True),
    ("es", "cp1252", "windows-1252", None, False),
    ("es", "utf-8", "UTF-8", "utf-8", False),
    ("pt", "iso-8859-1", "ISO-8859-1", None, False),
    ("pt", "utf-8", "UTF-8", None, False),
    ("de", "iso-8859-15", "ISO-8859-15", None, False),
    ("de", "utf-8", None, "utf-8", False),
    ("ar", "cp1256", "windows-1256", None, False),
    ("ar", "utf-8", "UTF-8", None, False),
    ("ru", "koi8-r", "KOI8-R", None, False),
    ("ru", "cp1251", "windows-1251", None, False),
    ("ja", "shift_jis", "Shift_JIS", None, False),
    ("ja", "euc-jp", "EUC-JP", None, False),
    ("zh", "gb2312", "GB2312", None, False),
    ("zh", "utf-8", "utf-8", None, False),
    ("ko", "euc-kr", "EUC-KR", None, False),
    ("th", "tis-620", "TIS-620", None, False),
    ("he", "cp1255", "windows-1255", None, False),
    ("en", "utf-16", "UTF-16", None, False),
    ("ru", "koi8-r", None, "koi8-r", False),
    ("fr", "cp1252", None, "windows-1252", False),
    ("ja", "utf-8", "UTF-8", None, False),
]
PER_STYLE = 6
UTF8_LANGUAGES = ["en", "fr", "pt", "ar", "ru", "ja", "zh", "de", "es", "ko", "he", "th"]


def build_corpus() -> list[CorpusFeed]:
    """Every feed of the corpus, in a fixed order, with names unique and stable across runs."""
    feeds = _publisher_feeds() + failure_feeds() + variant_feeds()
    names = [feed.name for feed in feeds]
    if len(set(names)) != len(names):
        raise AssertionError("corpus feed names repeat")
    return feeds


# 1. Publisher styles -------------------------------------------------------------------------------------------------


def _publisher_feeds() -> list[CorpusFeed]:
    feeds: list[CorpusFeed] = []
    for index, style_name in enumerate(XML_FEED_STYLES):
        for k in range(PER_STYLE):
            language, codec, declared, header, bom = COMBOS[(index * 5 + k * 4) % len(COMBOS)]
            plain_codec = codec.replace("_", "").replace("-", "")
            name = f"{style_name}-{language}-{plain_codec}{'-nodecl' if declared is None else ''}"
            feeds.append(
                make(name, style_name, style_name, language, encoding=codec, declared=declared, header=header, bom=bom)
            )
    for index, style_name in enumerate(JSON_STYLES + SITEMAP_STYLES):
        for k in range(5 if style_name in JSON_STYLES else 4):
            language = UTF8_LANGUAGES[(index * 3 + k) % len(UTF8_LANGUAGES)]
            is_sitemap = style_name in SITEMAP_STYLES
            gzipped = is_sitemap and k == 3
            feeds.append(
                make(
                    f"{style_name}-{language}{'-gz' if gzipped else ''}",
                    style_name,
                    style_name,
                    language,
                    items=(5, 40) if is_sitemap else (3, 20),
                    gzipped=gzipped,
                )
            )
    return feeds


__all__ = ["COMBOS", "STYLES", "build_corpus"]
