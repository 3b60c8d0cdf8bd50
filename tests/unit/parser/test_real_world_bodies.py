"""Bodies of the page kinds real publishers get wrong (issue 15, item 1): long interviews beside a promo
box, live blogs, galleries, subscription and comment furniture, standfirsts and paywalls."""

from __future__ import annotations

import re

from lxml.html import document_fromstring

from tests.unit.parser.conftest import Parse, page_bytes
from wirewatch.services.parser.bodies import extract_body
from wirewatch.services.parser.boilerplate import is_boilerplate_line
from wirewatch.services.parser.density import density_paragraphs
from wirewatch.services.parser.furniture import comment_tail
from wirewatch.services.parser.paywalls import paywall_reason, teaser_reason
from wirewatch.services.parser.standfirsts import find_standfirst
from wirewatch.services.parser.structured import Structured, read_structured

INTERVIEW_URL = "https://courier.example/culture/2026/03/14/radio-nahr-interview"
LIVE_URL = "https://herald.example/news/live/2026/apr/02/water-crisis-live"


def test_a_long_interview_wins_over_the_deals_box_beside_it(parse: Parse) -> None:
    text = parse("interview_qa.html", url=INTERVIEW_URL).text
    paragraphs = text.split("\n\n")
    assert paragraphs[0].startswith("Dilan Aziz started a community radio station")
    assert "How did the project start?" in paragraphs  # every question …
    assert "Any advice for others?" in paragraphs
    assert paragraphs[-1].startswith("Start small, say who you are")  # … and the last answer
    assert len(paragraphs) >= 50
    assert "Deals of the day" not in text and "$34.99" not in text and "commission" not in text


def test_an_interview_keeps_the_benchmark_convention_for_pull_quotes_and_bylines(parse: Parse) -> None:
    text = parse("interview_qa.html", url=INTERVIEW_URL).text
    assert "whatever it costs us" not in text  # the pull quote set aside from the text repeats it
    assert "Leyla Saeed" not in text  # the byline line above the text is metadata


def test_a_live_blog_keeps_every_entry_newest_first_each_with_its_time(parse: Parse) -> None:
    article = parse("liveblog_water.html", url=LIVE_URL)
    paragraphs = article.text.split("\n\n")
    times = [p for p in paragraphs if re.fullmatch(r"\d{2}:\d{2}", p)]
    assert times == ["16:48", "16:10", "15:32", "14:05", "12:47", "11:20", "09:02"]
    # each time is followed by its own entry: the short ones too
    after = {t: paragraphs[paragraphs.index(t) + 1] for t in times}
    assert after["16:10"].startswith("Our reporter at the Khabur bridge")
    assert after["11:20"].startswith("Schools in the affected districts")
    assert after["15:32"] == "Aid convoy reaches the southern districts"  # the entry's title
    assert "Share this update" not in article.text and "Load more updates" not in article.text
    assert "live-blog" in article.extractor_version


GALLERY_URL = "https://ledger.example/uae/2026/10/06/in-pictures-cyclone-shaheen"
PAPER_URL = "https://millbrookrecord.example/news/local/council-closes-pool/article_5f1c.html"


def test_a_gallery_is_its_captions_without_counters_and_credits(parse: Parse) -> None:
    article = parse("gallery_storm.html", url=GALLERY_URL)
    paragraphs = article.text.split("\n\n")
    assert paragraphs[0] == "Residents of the east coast spent Tuesday preparing for the storm."
    assert len(paragraphs) == 9  # the intro and the eight captions, in page order
    assert paragraphs[1].startswith("Fishermen haul their boats above the waterline at Kalba")
    assert paragraphs[-1].endswith("counting the nets they had lost.")
    for furniture in ("1 / 8", "Photo: Mariam Haddad", "Image: NCM", "Reuters", "In pictures:"):
        assert furniture not in article.text, furniture
    assert not article.low_confidence


def test_an_ordinary_article_keeps_its_captions_out(parse: Parse) -> None:
    # the benchmark's convention: a photo's caption is not the story's text
    text = parse("iraq_coalition.html").text
    assert "Photo:" not in text


def test_subscription_and_comment_furniture_inside_the_article_is_dropped(parse: Parse) -> None:
    text = parse("newspaper_open.html", url=PAPER_URL).text
    paragraphs = text.split("\n\n")
    assert paragraphs[0].startswith("The Millbrook town council voted 5-2 on Tuesday night")
    assert paragraphs[-1].startswith("The council is expected to discuss the grant application")
    assert len(paragraphs) == 8
    for furniture in (
        "Sign up for our newsletter",
        "delivered to your inbox",  # the sign-up box's pitch, told by its form, not its words
        "Join the conversation",
        "We welcome civil discussion",  # the comment policy below the comment heading
        "Comments are closed",
    ):
        assert furniture not in text, furniture


def test_a_subscription_gate_is_not_text(parse: Parse) -> None:
    text = parse("newspaper_paywalled.html", url=PAPER_URL).text
    assert "The decision came after more than two hours of public comment" in text
    for furniture in ("RESERVED FOR SUBSCRIBERS", "Subscribe today", "Already a subscriber", "See offers"):
        assert furniture not in text, furniture


def test_shapes_of_calls_to_action_are_furniture_lines() -> None:
    for line in (
        "Join the conversation",
        "THIS CONTENT IS RESERVED FOR SUBSCRIBERS ONLY",
        "Comments are closed.",
        "Already a subscriber? Log in",
        "Subscribe today for unlimited digital access",
    ):
        assert is_boilerplate_line(line), line
    assert not is_boilerplate_line("Subscribers to the water scheme will pay less from June, the council said.")


def test_a_comment_section_is_cut_only_at_the_tail() -> None:
    story = [f"Paragraph {n} of the story, long enough to be a sentence." for n in range(6)]
    assert comment_tail([*story, "3 comments", "A reader's comment."]) == 6
    assert comment_tail(["Comments", *story]) == 7  # a heading at the top is not the tail


def test_a_story_paragraph_linking_to_the_subscription_page_stays() -> None:
    body = document_fromstring(
        "<html><body><article><div class='story'>"
        + "".join(f"<p>Paragraph {n} of a story about the town's new budget, with numbers.</p>" for n in range(6))
        + "<div><p>Readers who <a href='/subscribe/'>subscribe</a> get the budget tables in full.</p></div>"
        "</div></article></body></html>"
    ).find("body")
    assert "Readers who subscribe get the budget tables in full." in density_paragraphs(body).paragraphs


def test_the_standfirst_under_the_headline_is_kept_apart_from_the_text() -> None:
    tree = document_fromstring(page_bytes("newspaper_open.html"))
    body = extract_body(tree, read_structured(tree), "Council closes Elm Street pool for the season")
    assert body.standfirst == (
        "A cracked filtration tank would cost $1.4 million to replace; the swim club will look to Ashford"
    )
    assert body.standfirst not in body.text
    assert body.paragraphs[0].startswith("The Millbrook town council voted")


def test_a_subhead_bar_holding_byline_and_date_is_no_standfirst() -> None:
    tree = document_fromstring(
        "<html><body><h1>Headline</h1><div class='article-subhead'><span class='byline'>By A. Writer</span>"
        "<time>Nov 20, 2026</time> and some more words here</div><p>Text of the story.</p></body></html>"
    )
    assert find_standfirst(tree.find("body"), "Text of the story.") is None


def test_a_paywalled_page_is_flagged_not_indexed_as_if_complete(parse: Parse) -> None:
    article = parse("newspaper_paywalled.html", url=PAPER_URL)
    assert article.paywalled
    assert article.low_confidence
    assert article.quality_reason is not None and article.quality_reason.startswith("paywalled:")
    assert "isAccessibleForFree" in article.quality_reason


def test_an_open_article_is_not_paywalled_and_carries_its_standfirst(parse: Parse) -> None:
    article = parse("newspaper_open.html", url=PAPER_URL)
    assert not article.paywalled and not article.low_confidence
    assert article.standfirst is not None and article.standfirst.startswith("A cracked filtration tank")


def test_a_subscription_gate_alone_flags_a_short_page(parse: Parse) -> None:
    page = page_bytes("newspaper_paywalled.html")
    without_markup = re.sub(rb'<script type="application/ld\+json">.*?</script>', b"", page, flags=re.S)
    article = parse(without_markup, url=PAPER_URL)
    assert article.paywalled
    assert article.quality_reason is not None and "subscription gate" in article.quality_reason


def test_paywall_evidence_from_markup() -> None:
    part = {"hasPart": [{"@type": "WebPageElement", "isAccessibleForFree": "False", "cssSelector": ".paywall"}]}
    reason = paywall_reason(Structured(article={"@type": "NewsArticle", **part}), "", 900)
    assert reason is not None and ".paywall" in reason
    tiered = Structured(meta={"article:content_tier": ["locked"]})
    assert paywall_reason(tiered, "", 900) == "paywalled: article:content_tier is locked"
    free = Structured(
        article={"@type": "NewsArticle", "isAccessibleForFree": True}, meta={"article:content_tier": ["metered"]}
    )
    assert paywall_reason(free, "", 900) is None  # a metered page is free within the meter


def test_a_gate_template_on_a_long_free_article_is_no_paywall() -> None:
    page = "<div class='modal' hidden>This story is reserved for subscribers. Subscribe to continue reading.</div>"
    assert paywall_reason(Structured(), page, 850) is None
    assert paywall_reason(Structured(), page, 120) is not None


def test_only_a_short_paywalled_text_is_low_confidence() -> None:
    assert teaser_reason("paywalled: x", 80) == "paywalled: x; the text (80 words) is likely a teaser"
    assert teaser_reason("paywalled: x", 1300) is None  # the full text a crawler was served is complete
    assert teaser_reason(None, 80) is None


def test_a_declared_live_blog_may_mark_its_times_by_class_only(parse: Parse) -> None:
    entries = "".join(
        f"<div class='post'><span class='post-time'>{clock}</span><p>{text}</p></div>"
        for clock, text in (
            ("11:05", "Ferries to the islands are running again, the port authority said this morning."),
            ("10:40", "Wind speeds at the harbour mouth have dropped below the closure limit."),
            ("09:15", "The harbour stays closed to small craft until the morning inspection is done."),
        )
    )
    page = (
        '<html><head><script type="application/ld+json">{"@type": "LiveBlogPosting", "headline": "Storm live"}'
        f"</script></head><body><main><h1>Storm live</h1><div class='posts'>{entries}</div></main></body></html>"
    )
    article = parse(page.encode(), url=LIVE_URL)
    assert article.text.split("\n\n")[0::2] == ["11:05", "10:40", "09:15"]
    assert "live-blog" in article.extractor_version
    # undeclared, class-named times are not looked for (a search as costly as the rest of the pass)
    undeclared = parse(page.replace("LiveBlogPosting", "NewsArticle").encode(), url=LIVE_URL)
    assert "live-blog" not in undeclared.extractor_version
