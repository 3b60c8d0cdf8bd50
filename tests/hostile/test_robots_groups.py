"""robots.txt parsed by protego (issue 15, item 4) stays bounded: 500 KiB of groups for other agents or of
garbage leaves a verdict of a few kilobytes, and 500 KiB of wildcard rules for us keeps ``MAX_RULES`` of them."""

from __future__ import annotations

import random
import tracemalloc

from wirewatch.services.fetcher.robots import MAX_RULES, RobotsRules, rules_from_text

AGENT = "WirewatchBot"
LIMIT = 500 * 1024


def retained_kib(text: str) -> tuple[float, RobotsRules]:
    """What the parse leaves allocated by protego and our robots module, after a warm-up parse (first imports
    and compiled patterns are no cost of this text); other threads of a test run do not count."""
    rules_from_text("User-agent: *\nDisallow: /warm-up/*\n", AGENT, 0.0)
    tracemalloc.start()
    try:
        rules = rules_from_text(text, AGENT, 0.0)
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(True, "*protego*"), tracemalloc.Filter(True, "*fetcher/robots.py")]
        )
    finally:
        tracemalloc.stop()
    return sum(stat.size for stat in snapshot.statistics("filename")) / 1024, rules


def test_thousands_of_other_groups_are_dropped() -> None:
    groups = "".join(f"User-agent: bot{n}\nDisallow: /a{n}/*\nAllow: /a{n}/b*$\n" for n in range(12_000))[:LIMIT]
    held, rules = retained_kib(groups + "\nUser-agent: WirewatchBot\nDisallow: /ours/*.pdf$\n")
    assert held < 64, f"{held:.0f} KiB kept for one origin (protego keeps every group: ~19 MiB)"
    assert not rules.allows("http://x.test/ours/a.pdf", AGENT)
    assert rules.allows("http://x.test/a1/x", AGENT)


def test_wildcard_rules_for_us_are_capped() -> None:
    many = "User-agent: *\nDisallow: /private/*\n" + "".join(f"Disallow: /x{n}*.pdf$\n" for n in range(25_000))
    held, rules = retained_kib(many[:LIMIT])
    assert held < 1024, f"{held:.0f} KiB kept (uncapped: ~32 MiB)"
    parser = rules.parser
    assert parser is not None
    assert sum(len(group._rules) for group in parser._user_agents.values()) <= 2 * MAX_RULES  # `$` doubles a rule
    assert not rules.allows("http://x.test/private/a", AGENT)


def test_garbage_is_no_rules() -> None:
    rnd = random.Random(15)
    garbage = "".join(chr(rnd.randrange(1, 0x2FF)) for _ in range(LIMIT))
    held, rules = retained_kib(garbage)
    assert held < 64
    assert rules.allows("http://x.test/anything", AGENT)
