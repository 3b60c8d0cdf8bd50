"""``validate_query``: Lucene ``query_string`` syntax is accepted with trailing wildcards; leading wildcards,
regular expressions, fuzzy terms and syntax errors are refused with the term and its column; hostile inputs
(huge, deeply nested, many terms) are refused fast. ``build_query`` asks Elasticsearch to refuse leading
wildcards too (defence in depth)."""

from __future__ import annotations

import contextlib
import time

import pytest

from wirewatch.core.errors import WirewatchError
from wirewatch.core.query import (
    MAX_QUERY_CHARS,
    MAX_QUERY_DEPTH,
    MAX_QUERY_TERMS,
    QueryError,
    build_query,
    validate_query,
)

ACCEPTED = [
    "",
    "   ",
    "*",
    "truce",
    "truce*",
    "tr?ce",
    "tr*ce",
    "foo?*",
    "é*",
    "title:*",
    "_exists_:title",
    "covid-19",
    "a=b",
    "a & b | c",
    "ANDROID",
    'organizations:"Kataib Hezbollah" AND text:withdrawal',
    'title:"truce talks"',
    '"truce talks"~3',  # proximity: bounded by the documents holding both words
    'title:"a b"~2^3',
    '"a"~',
    "a && b || !c",
    "a AND NOT b",
    "a NOT b",
    "+a -b",
    "a + b",  # a bare operator is a (meaningless) term to Lucene
    "x:(a OR (b AND c))",
    "(a b)^2",
    "foo^2",
    "foo^2.5",
    "published_at:[2024-01-01 TO *]",
    "published_at:{* TO 2024-12-31]",
    "published_at:>2024-01-01",
    "*:truce",
    "\\*truce",  # an escaped star is a literal character, not a wildcard
    "\\?truce",
    "title\\*:truce",
    "http\\:\\/\\/example.org",
    '"http://example.org/a"',  # a slash inside a phrase is just text
    "foo\\\\",
    '"a \\" b"',
    "\u3000a\u3000OR\u3000b",
    "a||b",
]

REJECTED = [
    # (query, words the message must hold, the 0-based position, the term blamed)
    ("*ruce", "leading wildcard", 0, "*ruce"),
    ("?ruce", "leading wildcard", 0, "?ruce"),
    ("**", "leading wildcard", 0, "**"),
    ("title:*ruce", "leading wildcard", 6, "*ruce"),
    ("title:?ruce", "leading wildcard", 6, "?ruce"),
    ("NOT *foo", "leading wildcard", 4, "*foo"),
    ("a AND -*foo", "leading wildcard", 7, "*foo"),
    ("+?foo", "leading wildcard", 1, "?foo"),
    ("(a OR *b)", "leading wildcard", 6, "*b"),
    ("title:(x OR (y AND *z))", "leading wildcard", 19, "*z"),
    ("a^2 *b", "leading wildcard", 4, "*b"),
    ("/fo+/", "regular expressions", 0, "/fo+/"),
    ("title:/.*/", "regular expressions", 6, "/.*/"),
    ("a/b", "regular expressions", 1, "/b"),
    ("http://example.org", "regular expressions", 5, "//"),
    ("foo~", "fuzzy", 0, "foo"),
    ("foo~2", "fuzzy", 0, "foo"),
    ("title:foo~1", "fuzzy", 6, "foo"),
    ("foo ~ bar", "fuzzy", 0, "foo"),
    ("foo^2~1", "fuzzy", 0, "foo"),
    ("(a b)~2", "follows nothing", 5, "~2"),
    ('"unclosed', "unbalanced quote", 0, None),
    ('a"b', "unbalanced quote", 1, None),
    ('"a \\', "unbalanced quote", 0, None),
    ("(a", "never closed", 0, "("),
    ("((a)", "never closed", 0, "("),
    ("a)", "closes nothing", 1, ")"),
    ("()", "closes nothing", 1, ")"),
    ("[a TO", "unbalanced range", 0, None),
    ("[a b]", "a range reads", 0, None),
    ("[a TO b TO c]", "a range reads", 0, None),
    ("a]", "never opened", 1, "]"),
    ("a}", "never opened", 1, "}"),
    ("foo^", "boost", 3, "^"),
    ("a^b", "boost", 1, "^"),
    ("AND a", "misplaced", 0, "AND"),
    ("OR", "misplaced", 0, "OR"),
    ("&&", "misplaced", 0, "&&"),
    ("a AND", "needs a term", 2, "AND"),
    ("a AND AND b", "misplaced", 6, "AND"),
    ("NOT NOT a", "misplaced", 4, "NOT"),
    ("-", "needs a term", 0, "-"),
    ("a -", "needs a term", 2, "-"),
    ("!", "needs a term", 0, "!"),
    ("a:", "needs a term", 0, "a"),
    (":a", "misplaced", 0, ":"),
    ("a:b:c", "misplaced", 3, ":"),
    ("ti*le:foo", "field name", 0, "ti*le"),
    ("foo\\", "backslash", 3, "\\"),
]


@pytest.mark.parametrize("query", ACCEPTED)
def test_accepted(query: str) -> None:
    assert validate_query(query) == query


@pytest.mark.parametrize(("query", "words", "position", "term"), REJECTED, ids=[r[0] for r in REJECTED])
def test_refused_with_the_term_and_its_column(query: str, words: str, position: int, term: str | None) -> None:
    with pytest.raises(QueryError) as caught:
        validate_query(query)
    error = caught.value
    assert words in error.reason
    assert error.position == position
    assert f"(at column {position + 1})" in error.reason
    if term is not None:
        assert error.term == term
    assert error.query == query
    assert isinstance(error, WirewatchError) and error.error_class == "query_error" and not error.retriable


def test_limits_on_length_terms_and_depth() -> None:
    longest = "a " * (MAX_QUERY_CHARS // 2)
    with pytest.raises(QueryError, match="characters long"):
        validate_query(longest + "a")
    with pytest.raises(QueryError, match=f"more than {MAX_QUERY_TERMS} terms"):
        validate_query(" OR ".join(["x"] * (MAX_QUERY_TERMS + 1)))
    validate_query(" OR ".join(["x"] * MAX_QUERY_TERMS))
    validate_query("(" * MAX_QUERY_DEPTH + "a" + ")" * MAX_QUERY_DEPTH)
    with pytest.raises(QueryError, match="nest deeper"):
        validate_query("(" * (MAX_QUERY_DEPTH + 1) + "a" + ")" * (MAX_QUERY_DEPTH + 1))


@pytest.mark.parametrize(
    "hostile",
    [
        "(" * MAX_QUERY_CHARS,
        ")" * MAX_QUERY_CHARS,
        '"' * (MAX_QUERY_CHARS - 1),
        "\\" * (MAX_QUERY_CHARS - 1),
        "a" * MAX_QUERY_CHARS,
        "a*" * (MAX_QUERY_CHARS // 2),
        "[" + "a " * (MAX_QUERY_CHARS // 2 - 1),
        "/" + "a" * (MAX_QUERY_CHARS - 1),
        "a:" * (MAX_QUERY_CHARS // 2),
        "NOT " * (MAX_QUERY_CHARS // 4),
        "x^" + "9" * (MAX_QUERY_CHARS - 2),
        "x~" * (MAX_QUERY_CHARS // 2),
        "a\x00\x1b]8;;http://evil\x07b",
    ],
)
def test_hostile_queries_are_answered_fast(hostile: str) -> None:
    """Linear: the longest allowed query takes milliseconds (a ceiling 100× over what it needs)."""
    started = time.perf_counter()
    with contextlib.suppress(QueryError):
        validate_query(hostile)
    assert time.perf_counter() - started < 0.5


def test_the_error_names_the_offending_term_in_words() -> None:
    with pytest.raises(QueryError) as caught:
        validate_query('organizations:"Kataib Hezbollah" AND title:*bollah')
    assert caught.value.reason.startswith("leading wildcard in '*bollah'")
    assert "truce*" in caught.value.reason  # says what is allowed instead


def test_build_query_asks_elasticsearch_to_refuse_leading_wildcards_too() -> None:
    [clause] = build_query("truce*")["bool"]["must"]
    assert clause["query_string"]["allow_leading_wildcard"] is False
