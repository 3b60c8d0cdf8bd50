"""One query builder for ``wirewatch search``, ``rules test`` and the alerter, so a saved search matches
exactly what the same search shows (Lucene ``query_string`` syntax; Kibana's query bar defaults to KQL, which
``wirewatch.core.kql`` translates into this on request), and one validator
(:func:`validate_query`) that refuses, before anything runs, the queries whose cost grows with the index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from wirewatch.core.errors import WirewatchError

#: fields a bare term searches, like Kibana's default "all fields" but weighted towards the headline
DEFAULT_FIELDS = [
    "title^3",
    "description^2",
    "text",
    "persons^2",
    "organizations^2",
    "locations^2",
    "authors",
    "source",
]
HIGHLIGHT = {
    "pre_tags": ["«"],
    "post_tags": ["»"],
    "fields": {"text": {"fragment_size": 160, "number_of_fragments": 2}, "title": {"number_of_fragments": 0}},
}


@dataclass
class Filters:
    persons: Sequence[str] = field(default_factory=list)
    organizations: Sequence[str] = field(default_factory=list)
    locations: Sequence[str] = field(default_factory=list)
    sources: Sequence[str] = field(default_factory=list)
    languages: Sequence[str] = field(default_factory=list)
    since: datetime | None = None
    until: datetime | None = None
    ids: Sequence[str] = field(default_factory=list)

    def clauses(self) -> list[dict[str, Any]]:
        clauses: list[dict[str, Any]] = []
        for name, values in (
            ("persons", self.persons),
            ("organizations", self.organizations),
            ("locations", self.locations),
            ("source", self.sources),
            ("language", self.languages),
        ):
            # each value must match (AND across values, as analysts expect from stacked facet filters);
            # names are stored as written, but nobody should have to type "Kataib Hezbollah" exactly so
            clauses.extend({"term": {name: {"value": v, "case_insensitive": True}}} for v in values)
        if self.since or self.until:
            window = {k: v.isoformat() for k, v in (("gte", self.since), ("lte", self.until)) if v}
            clauses.append({"range": {"published_at": window}})
        if self.ids:
            clauses.append({"ids": {"values": list(self.ids)}})
        return clauses


def build_query(query: str | None, filters: Filters | None = None) -> dict[str, Any]:
    must: list[dict[str, Any]] = []
    if query and query.strip() not in ("", "*"):
        must.append(
            {
                "query_string": {
                    "query": query,
                    "fields": DEFAULT_FIELDS,
                    "lenient": True,
                    "default_operator": "OR",
                    # defence in depth: validate_query refuses them first, with a clearer message
                    "allow_leading_wildcard": False,
                }
            }
        )
    return {"bool": {"must": must or [{"match_all": {}}], "filter": (filters or Filters()).clauses()}}


def sort_clause(order: str) -> list[Any]:
    if order == "date":
        return [{"published_at": {"order": "desc", "missing": "_last"}}, "_score"]
    return ["_score", {"published_at": {"order": "desc", "missing": "_last"}}]


# --- validation ----------------------------------------------------------------------------------------------
#
# A rule's query runs against every batch of new articles, and a search's against the whole index, so a query
# whose cost grows with the index is refused before it is stored or sent. ``query_string`` turns a leading
# wildcard (``*foo``), a regular expression (``/fo+/``) or a fuzzy term (``foo~2``) into an automaton that is
# run over every term of the field; a trailing wildcard (``foo*``) or a range only walks the terms that share
# its start, so those stay allowed. A phrase with a slop (``"truce talks"~3``, proximity) is allowed too: its
# cost is bounded by the documents that hold all its words, as for any phrase.
#
# The checker is a one-pass lexer after Lucene's classic query parser (which ``query_string`` extends) and a
# small recursive-descent parser over its tokens: linear in the query's length, no regular expressions.

#: longer queries are refused; a rule listing a few hundred names stays well below
MAX_QUERY_CHARS = 4000
#: terms (words, phrases, ranges) in one query; each becomes one clause per default field in Elasticsearch
MAX_QUERY_TERMS = 400
#: nested parentheses
MAX_QUERY_DEPTH = 16

_WHITESPACE = frozenset(" \t\n\r\u3000")
#: characters that end a term (``-`` and ``+`` may appear inside one, ``*`` and ``?`` are wildcards)
_TERM_END = _WHITESPACE | frozenset('!():^[]"{}~\\/')
#: characters that cannot start a term (besides those that end one)
_NO_TERM_START = frozenset("+-")
_WILDCARDS = frozenset("*?")
_OPERATORS = {"AND": "and", "&&": "and", "OR": "or", "||": "or", "NOT": "not"}


class QueryError(WirewatchError):
    """A query Wirewatch refuses to run (``term`` at ``position``, a 0-based offset, when one is to blame),
    or one Elasticsearch refused. The CLI shows ``reason`` in one line."""

    error_class = "query_error"

    def __init__(self, reason: str, *, query: str = "", position: int | None = None, term: str | None = None) -> None:
        super().__init__(reason)
        self.query = query
        self.position = position
        self.term = term


@dataclass(frozen=True)
class _Token:
    kind: str  # term, quoted, range, regex, lparen, rparen, colon, boost, slop, and, or, not, plus, minus
    text: str
    position: int
    wildcard: bool = False  # a term with an unescaped * or ?
    leading_wildcard: bool = False  # ... as its first character (the lone ``*``, "any value", is fine)


class _Lexer:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens: list[_Token] = []

    def error(self, reason: str, position: int, term: str | None = None) -> QueryError:
        return QueryError(f"{reason} (at column {position + 1})", query=self.query, position=position, term=term)

    def run(self) -> list[_Token]:
        q, i = self.query, 0
        while i < len(q):
            char = q[i]
            if char in _WHITESPACE:
                i += 1
            elif char == '"':
                i = self.quoted(i)
            elif char in "[{":
                i = self.range(i)
            elif char == "/":
                end = self.skip_regex(i)
                raise self.error(
                    "regular expressions (/.../) are not allowed; write a literal slash as \\/", i, q[i:end]
                )
            elif char in "()":
                self.tokens.append(_Token("lparen" if char == "(" else "rparen", char, i))
                i += 1
            elif char == ":":
                self.tokens.append(_Token("colon", char, i))
                i += 1
            elif char == "^":
                i = self.boost(i)
            elif char == "~":
                end = self.term_end(i + 1)
                self.tokens.append(_Token("slop", q[i:end], i))
                i = end
            elif char in "]}":
                raise self.error(f"{char!r} closes a range that was never opened", i, char)
            elif char in "+-!" and (i + 1 == len(q) or q[i + 1] not in _WHITESPACE):
                kind = {"+": "plus", "-": "minus", "!": "not"}[char]
                self.tokens.append(_Token(kind, char, i))
                i += 1
            elif char in "+-!":  # followed by a space, Lucene reads it as a (meaningless) term
                self.tokens.append(_Token("term", char, i))
                i += 1
            else:
                i = self.term(i)
        return self.tokens

    def term_end(self, start: int) -> int:
        """Where a run of term characters (escapes included) that begins at ``start`` ends."""
        q, i = self.query, start
        while i < len(q) and (q[i] not in _TERM_END or q[i] == "\\"):
            if q[i] == "\\":
                if i + 1 == len(q):
                    raise self.error("a backslash at the end escapes nothing", i, "\\")
                i += 1
            i += 1
        return i

    def term(self, start: int) -> int:
        q = self.query
        end = self.term_end(start)
        text = q[start:end]
        if text in _OPERATORS:
            self.tokens.append(_Token(_OPERATORS[text], text, start))
            return end
        wildcard, escaped = False, False
        for char in text:
            if not escaped and char in _WILDCARDS:
                wildcard = True
            escaped = not escaped and char == "\\"
        leading = text[0] in _WILDCARDS and text != "*"
        self.tokens.append(_Token("term", text, start, wildcard, leading))
        return end

    def quoted(self, start: int) -> int:
        q, i = self.query, start + 1
        while i < len(q) and q[i] != '"':
            i += 2 if q[i] == "\\" else 1
        if i >= len(q):
            raise self.error('unbalanced quote: this " is never closed', start, q[start : start + 40])
        self.tokens.append(_Token("quoted", q[start : i + 1], start))
        return i + 1

    def skip_regex(self, start: int) -> int:
        q, i = self.query, start + 1
        while i < len(q) and q[i] != "/":
            i += 2 if q[i] == "\\" else 1
        return min(i + 1, len(q))

    def boost(self, start: int) -> int:
        q, i = self.query, start + 1
        digits = i
        while i < len(q) and q[i].isdigit() and q[i].isascii():
            i += 1
        if i > digits and i + 1 < len(q) and q[i] == "." and q[i + 1].isascii() and q[i + 1].isdigit():
            i += 1
            while i < len(q) and q[i].isdigit() and q[i].isascii():
                i += 1
        if i == digits:
            raise self.error("a boost (^) needs a number right after it, as in title:truce^2", start, "^")
        self.tokens.append(_Token("boost", q[start:i], start))
        return i

    def range(self, start: int) -> int:
        """``[low TO high]``, ``{low TO high}`` or a mix; ``*`` for an open end."""
        q, i = self.query, start + 1
        items: list[str] = []
        while True:
            while i < len(q) and q[i] in _WHITESPACE:
                i += 1
            if i == len(q):
                raise self.error(f"unbalanced range: this {q[start]} is never closed", start, q[start : start + 40])
            if q[i] in "]}":
                break
            item_start = i
            if q[i] == '"':
                i += 1
                while i < len(q) and q[i] != '"':
                    i += 2 if q[i] == "\\" else 1
                i += 1
            else:
                while i < len(q) and q[i] not in _WHITESPACE and q[i] not in "]}":
                    i += 1
            items.append(q[item_start:i])
        if len(items) != 3 or items[1] != "TO":
            raise self.error("a range reads [low TO high] (* for an open end)", start, q[start : i + 1])
        self.tokens.append(_Token("range", q[start : i + 1], start))
        return i + 1


class _Parser:
    """Lucene's grammar: ``Query := Modifier? Clause ((AND|OR)? Modifier? Clause)*``, where a clause is an
    optionally fielded term, phrase, range or parenthesised query, with a boost."""

    def __init__(self, lexer: _Lexer, tokens: list[_Token]) -> None:
        self.lexer = lexer
        self.tokens = tokens
        self.at = 0
        self.terms = 0

    def peek(self, offset: int = 0) -> _Token | None:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def error(self, reason: str, token: _Token) -> QueryError:
        return self.lexer.error(reason, token.position, token.text)

    def query(self, depth: int) -> None:
        self.clause(depth, after=None)
        while (token := self.peek()) is not None and token.kind != "rparen":
            conjunction = self.take() if token.kind in ("and", "or") else None
            self.clause(depth, after=conjunction)

    def clause(self, depth: int, after: _Token | None) -> None:
        modifier = self.take() if (self.peek() or _END).kind in ("plus", "minus", "not") else None
        field = None
        if (self.peek() or _END).kind == "term" and (self.peek(1) or _END).kind == "colon":
            field = self.take()
            if field.wildcard and field.text != "*":
                raise self.error(f"a wildcard in the field name {field.text!r} must be escaped (\\*)", field)
            self.take()
        token = self.peek()
        if token is None:
            before = field or modifier or after
            what = f"{before.text!r}" if before is not None else "the query"
            position = before.position if before is not None else len(self.lexer.query)
            raise self.lexer.error(f"{what} needs a term after it", position, before.text if before else None)
        self.take()
        if token.kind == "term":
            self.term(token)
        elif token.kind == "quoted":
            self.count(token)
            if (self.peek() or _END).kind == "slop":
                self.take()  # proximity: bounded by the documents that hold every word of the phrase
            self.boost()
        elif token.kind == "range":
            self.count(token)
            self.boost()
        elif token.kind == "lparen":
            if depth >= MAX_QUERY_DEPTH:
                raise self.error(f"parentheses nest deeper than {MAX_QUERY_DEPTH} levels", token)
            self.query(depth + 1)
            if (self.peek() or _END).kind != "rparen":
                raise self.error("unbalanced parenthesis: this ( is never closed", token)
            self.take()
            self.boost()
        elif token.kind == "rparen":
            raise self.error("unbalanced parenthesis: this ) closes nothing", token)
        elif token.kind == "slop":
            raise self.error(f"{token.text!r} follows nothing it could apply to", token)
        else:
            raise self.error(f"{token.text!r} is misplaced: expected a term, a phrase or a (group)", token)

    def term(self, token: _Token) -> None:
        self.count(token)
        if token.leading_wildcard:
            raise self.error(
                f"leading wildcard in {token.text!r}: a wildcard must follow at least one character "
                "(trailing wildcards such as truce* are fine)",
                token,
            )
        for _ in range(2):  # Lucene accepts term~ before and after a boost
            slop = self.peek()
            if slop is not None and slop.kind == "slop":
                raise self.error(
                    f'fuzzy term {token.text + slop.text!r} is not allowed (proximity on a phrase, "a b"~3, is)',
                    token,
                )
            if not self.boost():
                break

    def boost(self) -> bool:
        if (self.peek() or _END).kind == "boost":
            self.take()
            return True
        return False

    def count(self, token: _Token) -> None:
        self.terms += 1
        if self.terms > MAX_QUERY_TERMS:
            raise self.error(f"more than {MAX_QUERY_TERMS} terms", token)


_END = _Token("end", "", -1)


def validate_query(query: str) -> str:
    """``query`` if Wirewatch runs it, else a :class:`QueryError` naming the offending term and its column.

    Accepted: Lucene ``query_string`` syntax (terms, phrases, fields, AND/OR/NOT, + and -, groups, ranges,
    boosts, trailing and inner wildcards, phrase proximity, escapes). Refused: leading wildcards, regular
    expressions, fuzzy terms, syntax errors (unbalanced quotes, parentheses and ranges, dangling operators),
    and queries over :data:`MAX_QUERY_CHARS` characters, :data:`MAX_QUERY_TERMS` terms or
    :data:`MAX_QUERY_DEPTH` nested groups."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is {len(query)} characters long; at most {MAX_QUERY_CHARS} are allowed",
            query=query[:100],
            position=MAX_QUERY_CHARS,
        )
    if query.strip() in ("", "*"):
        return query
    lexer = _Lexer(query)
    parser = _Parser(lexer, lexer.run())
    parser.query(0)
    if (left := parser.peek()) is not None:
        raise parser.error("unbalanced parenthesis: this ) closes nothing", left)
    return query
