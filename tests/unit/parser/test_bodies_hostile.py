"""Hostile pages for the body stage's structural passes (issue 15, item 1): floods of the very elements the
live-blog, gallery and call-to-action passes look for. Each is parsed in time linear in its size; the time
bounds are ceilings a quadratic pass blows through many times over, not measurements."""

from __future__ import annotations

import time

from tests.unit.parser.conftest import Parse

DEEP = 200  # under the tree builder's 256 levels, so the text is kept
STORY = "<p>The harbour reopened on Monday after repairs, officials said, and ships queued to enter.</p>" * 3


def _timed(parse: Parse, html: str) -> tuple[str, float]:
    start = time.perf_counter()
    article = parse(html.encode(), url="https://hostile.example/story")
    return article.text, time.perf_counter() - start


def test_fifty_thousand_log_in_links_in_one_container_are_read_in_linear_time(parse: Parse) -> None:
    # before: 101 s, the text length of every link summed over all the text before it (quadratic)
    links = "".join(f"<a href='/login/?next={n}'>Log in</a> " for n in range(50_000))
    text, seconds = _timed(parse, "<html><body>" + "<div>" * DEEP + STORY + links + "</div>" * DEEP + "</body></html>")
    assert "The harbour reopened on Monday" in text
    assert seconds < 30, seconds


def test_fifty_thousand_buttons_deep_in_a_nest_cost_one_walk_up_each_chain(parse: Parse) -> None:
    buttons = "<button>Subscribe</button>" * 50_000
    _, seconds = _timed(parse, "<html><body>" + "<div>" * DEEP + STORY + buttons + "</div>" * DEEP + "</body></html>")
    assert seconds < 30, seconds


def test_fifty_thousand_captioned_figures_are_a_gallery_read_once(parse: Parse) -> None:
    figures = "".join(
        f"<figure><img src='/{n}.jpg'><figcaption>Slide {n}: boats at the harbour wall at dawn.</figcaption></figure>"
        for n in range(50_000)
    )
    text, seconds = _timed(parse, f"<html><body><article><p>Short intro.</p>{figures}</article></body></html>")
    assert "Slide 49999: boats at the harbour wall at dawn." in text
    assert seconds < 60, seconds


def test_fifty_thousand_timestamped_entries_look_at_a_bounded_number(parse: Parse) -> None:
    entries = "".join(
        f"<div class='entry'><time>{n % 24:02d}:{n % 60:02d}</time><p>Update {n} on the harbour works.</p></div>"
        for n in range(50_000)
    )
    text, seconds = _timed(parse, f"<html><body><div class='feed'>{entries}</div></body></html>")
    assert "Update 0 on the harbour works." in text
    assert seconds < 60, seconds
