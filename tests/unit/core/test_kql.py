"""The KQL → Lucene translator (wirewatch/core/kql.py): the subset the shipped Kibana searches use is
translated structurally (every group parenthesised, literals escaped) into text the Lucene validator accepts;
everything outside the subset, and hostile input, is refused with the KQL column to blame, in linear time."""

from __future__ import annotations

import time

import pytest

from wirewatch.core.kql import kql_to_lucene, to_lucene
from wirewatch.core.query import MAX_QUERY_CHARS, MAX_QUERY_DEPTH, QueryError, validate_query

TRANSLATED = [
    ("", ""),
    ("   ", ""),
    ("*", "*"),
    ("truce", "truce"),
    ("truce*", "truce*"),
    ('"truce talks"', '"truce talks"'),
    ("title:truce", "title:truce"),
    ('organizations:"Kataib Hezbollah"', 'organizations:"Kataib Hezbollah"'),
    ("organizations:*", "_exists_:organizations"),
    ("title:tru*", "title:tru*"),
    ("title:tr*ce", "title:tr*ce"),
    ("locations:(Baghdad or Erbil)", "(locations:Baghdad OR locations:Erbil)"),
    ('locations:(Baghdad or "Kurdistan Region")', '(locations:Baghdad OR locations:"Kurdistan Region")'),
    ("locations:(Baghdad and not Erbil)", "(locations:Baghdad AND (NOT locations:Erbil))"),
    ("tags:(a or *)", "(tags:a OR _exists_:tags)"),
    ("a:1 and b:2 or c:3", "((a:1 AND b:2) OR c:3)"),  # and binds tighter than or
    ("a:1 or b:2 and c:3", "(a:1 OR (b:2 AND c:3))"),
    ("a:1 and (b:2 or c:3)", "(a:1 AND (b:2 OR c:3))"),
    ("not a:1 and b:2", "((NOT a:1) AND b:2)"),  # not binds tightest
    ("not (a:1 or b:2)", "(NOT (a:1 OR b:2))"),
    ("not not a:1", "(NOT (NOT a:1))"),
    ("A:1 AND B:2 Or C:3 aNd NoT D:4", "((A:1 AND B:2) OR (C:3 AND (NOT D:4)))"),  # keywords in any case
    ("attempts >= 1", "attempts:[1 TO *]"),
    ("attempts > 1", "attempts:{1 TO *}"),
    ("attempts <= 3", "attempts:[* TO 3]"),
    ("attempts<3", "attempts:{* TO 3}"),
    ("published_at >= 2026-11-18", 'published_at:["2026-11-18" TO *]'),
    ('published_at < "2026-11-18T10:00:00Z"', 'published_at:{* TO "2026-11-18T10:00:00Z"}'),
    # escapes: a KQL literal stays a Lucene literal
    ("title:a\\*b", "title:a\\*b"),
    ("title:a\\(b\\)", "title:a\\(b\\)"),
    ("url:https\\://x/y", "url:https\\:\\/\\/x\\/y"),
    ("title:a-b+c!d", "title:a\\-b\\+c\\!d"),
    ("title:what?", "title:what\\?"),  # ? is no wildcard in KQL
    ("title:[x]", "title:\\[x\\]"),
    ("title:x~2", "title:x\\~2"),  # no fuzzy term smuggled through
    ("title:/re+/", "title:\\/re\\+\\/"),  # no regular expression either
    ('title:"say \\"hi\\""', 'title:"say \\"hi\\""'),
    ('title:"back\\\\slash"', 'title:"back\\\\slash"'),
    ("title:or_not", "title:or_not"),
    ("title:\\or", "title:or"),  # an escaped keyword is a value
    ("@timestamp:1", "@timestamp:1"),
    ("entities.name:Baghdad", "entities.name:Baghdad"),
]


@pytest.mark.parametrize(("kql", "lucene"), TRANSLATED)
def test_translation(kql: str, lucene: str) -> None:
    assert kql_to_lucene(kql) == lucene
    assert validate_query(lucene) == lucene  # what comes out is a query Wirewatch runs


REFUSED = [
    ("a:b c", 5, "two values without 'and'/'or'"),
    ("Kataib Hezbollah", 8, "two values without"),
    ("items:{ name:x }", 7, "nested field queries"),
    ("a:b and items:{name:x}", 15, "nested field queries"),
    ("}", 1, "nested field queries"),
    ("*truce", 1, "leading wildcard in '*truce'"),
    ("title:*truce", 7, "leading wildcard"),
    ("machine.os*:x", 1, "wildcards in field names"),
    ("a:(b", 3, "this ( is never closed"),
    ("(a:b", 1, "this ( is never closed"),
    ("a:b)", 4, "this ) closes nothing"),
    (")", 1, "this ) closes nothing"),
    ("()", 1, "'(' needs something after it"),
    ('title:"open', 7, 'this " is never closed'),
    ('"\\', 1, 'this " is never closed'),
    ("a\\", 2, "a backslash at the end"),
    ("a:b:c", 4, "':' is misplaced"),
    ("a or", 3, "'or' needs something after it"),
    ("a and", 3, "'and' needs something after it"),
    ("not", 1, "'not' needs something after it"),
    ("and b", 1, "'and' is misplaced"),
    ("a:", 1, "'a:' needs a value after it"),
    ("a: or b", 4, "'a:' needs a value"),
    ("attempts >=", 10, "'>=' needs a value after it"),
    ("attempts >= tru*", 10, "'>=' needs a value"),
    ('"x" >= 1', 5, "'>=' is misplaced"),
    ("a:(b:c)", 5, "':' is misplaced"),
    ("we$rd:x", 1, "is not a field name"),
]


@pytest.mark.parametrize(("kql", "column", "reason"), REFUSED)
def test_refused_with_the_column_to_blame(kql: str, column: int, reason: str) -> None:
    with pytest.raises(QueryError) as caught:
        kql_to_lucene(kql)
    assert reason in caught.value.reason
    assert caught.value.reason.startswith("KQL: ")
    assert f"(at column {column})" in caught.value.reason
    assert caught.value.position == column - 1


def test_lucene_syntax_is_not_kql() -> None:
    """``to_lucene`` keeps Lucene as typed (validated) unless KQL is asked for explicitly."""
    assert to_lucene("title:truce AND NOT language:fr") == "title:truce AND NOT language:fr"
    assert to_lucene("organizations:* and locations:(Baghdad or Erbil)", "kql") == (
        "(_exists_:organizations AND (locations:Baghdad OR locations:Erbil))"
    )
    with pytest.raises(QueryError, match="leading wildcard"):
        to_lucene("*truce")
    # a Lucene-only construct is no KQL: a bracketed range is words side by side there
    with pytest.raises(QueryError, match="two values without"):
        to_lucene("attempts:[1 TO 3]", "kql")


def test_depth_is_bounded() -> None:
    deep = "(" * MAX_QUERY_DEPTH + "a:b" + ")" * MAX_QUERY_DEPTH
    assert kql_to_lucene(deep) == "a:b"
    with pytest.raises(QueryError, match="nest deeper than"):
        kql_to_lucene("(" * (MAX_QUERY_DEPTH + 1) + "a:b" + ")" * (MAX_QUERY_DEPTH + 1))
    with pytest.raises(QueryError, match="nest deeper than"):
        kql_to_lucene("not " * (MAX_QUERY_DEPTH + 1) + "a:b")
    with pytest.raises(QueryError, match="nest deeper than"):
        kql_to_lucene("a:" + "(" * (MAX_QUERY_DEPTH + 1) + "b" + ")" * (MAX_QUERY_DEPTH + 1))


def test_size_is_bounded() -> None:
    with pytest.raises(QueryError, match=f"at most {MAX_QUERY_CHARS} are allowed"):
        kql_to_lucene("a:b or " * 1000 + "a:b")
    # within the length but past the validator's term count: refused by the validator
    with pytest.raises(QueryError, match="more than 400 terms"):
        kql_to_lucene(" or ".join(["a:b"] * 500))


@pytest.mark.parametrize(
    "hostile",
    [
        "(" * 3000,
        ")" * 3000,
        '"' + "\\" * 3999,
        "\\" * 4000,
        "a:" * 2000,
        "not " * 1000,
        "*" * 4000,
        "a:b and " * 499 + "a:b",
        "\u0000\u202e:x",
        ">" * 4000,
    ],
)
def test_hostile_input_is_refused_or_translated_quickly(hostile: str) -> None:
    started = time.perf_counter()
    try:
        kql_to_lucene(hostile)
    except QueryError as exc:
        assert "(at column" in exc.reason or "characters long" in exc.reason
    assert time.perf_counter() - started < 1.0  # linear: milliseconds; a ceiling, not a benchmark
