"""Bodies of the page kinds real publishers get wrong (issue 15, item 1): long interviews beside a promo
box, live blogs, galleries, subscription and comment furniture, standfirsts and paywalls."""

from __future__ import annotations

import re

from tests.unit.parser.conftest import Parse

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
