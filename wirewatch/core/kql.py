"""KQL (Kibana Query Language) → the Lucene ``query_string`` text Wirewatch runs everywhere.

Wirewatch's own query language is Lucene ``query_string`` syntax (``wirewatch search``, rules, the alerter;
checked by :func:`wirewatch.core.query.validate_query`). Kibana's query bar and the shipped saved searches
use KQL, so KQL is accepted only where it is asked for explicitly (``--kql``, :func:`to_lucene` with
``syntax="kql"``), and only this subset, which is what the saved searches in ``deploy/kibana/`` use:

- ``field:value``, ``field:"a phrase"``, ``field:(a or b and not c)``, a trailing wildcard in a value
  (``field:truce*``), ``field:*`` (the field exists);
- ``field >= value`` (``>``, ``>=``, ``<``, ``<=``);
- ``and``, ``or``, ``not`` (any case) with parentheses; ``and`` binds tighter than ``or``, ``not`` tightest;
- a bare value or phrase (searched in the default fields, as a bare Lucene term is);
- backslash escapes (``\\*`` is a literal star).

Everything else is refused with its column: nested field queries (``items:{ name:x }``), wildcards in
field names, leading wildcards, two values side by side with no ``and``/``or`` between them (KQL reads
``a b`` as one multi-word value; write ``a or b`` or quote the phrase), unbalanced quotes and parentheses.

The translation is structural: every group is parenthesised, so Lucene's odd mixing of AND and OR never
applies, and values are escaped so a KQL literal stays a literal. The result is then checked by
:func:`validate_query` like any typed query, so a rule written in KQL is stored, run and shown as Lucene.

One pass of a hand-written lexer and a recursive-descent parser (depth bounded by
:data:`~wirewatch.core.query.MAX_QUERY_DEPTH`), linear in the query's length; no regular expressions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from wirewatch.core.query import MAX_QUERY_CHARS, MAX_QUERY_DEPTH, QueryError, validate_query

Syntax = Literal["lucene", "kql"]

_WHITESPACE = frozenset(" \t\n\r\u3000")
#: characters that end an unquoted KQL value (KQL's own special characters)
_SPECIAL = frozenset('\\():<>"*{}')
_KEYWORDS = {"or": "or", "and": "and", "not": "not"}
#: characters a Lucene query_string term must escape to stay literal
_LUCENE_SPECIAL = frozenset('+-=&|><!(){}[]^"~*?:\\/ ')
_RANGE_OPS = {">=": ("[", "*]"), ">": ("{", "*}"), "<=": ("[*", "]"), "<": ("{*", "}")}


@dataclass(frozen=True)
class _Token:
    kind: str  # word, quoted, lparen, rparen, colon, range, lbrace, rbrace, or, and, not
    text: str  # the value (unescaped parts kept with their backslashes for words)
    position: int
    wildcard: bool = False  # a word with an unescaped *


def _error(query: str, reason: str, position: int, term: str | None = None) -> QueryError:
    return QueryError(f"KQL: {reason} (at column {position + 1})", query=query, position=position, term=term)


def _lex(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(query):
        char = query[i]
        if char in _WHITESPACE:
            i += 1
        elif char in "()":
            tokens.append(_Token("lparen" if char == "(" else "rparen", char, i))
            i += 1
        elif char in "{}":
            tokens.append(_Token("lbrace" if char == "{" else "rbrace", char, i))
            i += 1
        elif char == ":":
            tokens.append(_Token("colon", char, i))
            i += 1
        elif char in "<>":
            op = query[i : i + 2] if query[i + 1 : i + 2] == "=" else char
            tokens.append(_Token("range", op, i))
            i += len(op)
        elif char == '"':
            i = _quoted(query, i, tokens)
        else:
            i = _word(query, i, tokens)
    return tokens


def _quoted(query: str, start: int, tokens: list[_Token]) -> int:
    i, text = start + 1, []
    while i < len(query) and query[i] != '"':
        if query[i] == "\\":
            if i + 1 == len(query):
                i = len(query)
                break
            i += 1
        text.append(query[i])
        i += 1
    if i >= len(query):
        raise _error(query, 'unbalanced quote: this " is never closed', start, query[start : start + 40])
    tokens.append(_Token("quoted", "".join(text), start))
    return i + 1


def _word(query: str, start: int, tokens: list[_Token]) -> int:
    """An unquoted value: up to whitespace or a special character; ``\\x`` keeps ``x`` literal (stored as
    ``\\x`` so a literal star stays distinguishable from a wildcard)."""
    i, text, wildcard = start, [], False
    while i < len(query) and query[i] not in _WHITESPACE:
        char = query[i]
        if char == "\\":
            if i + 1 == len(query):
                raise _error(query, "a backslash at the end escapes nothing", i, "\\")
            text.append(query[i : i + 2])
            i += 2
            continue
        if char == "*":
            wildcard = True
        elif char in _SPECIAL:
            break
        text.append(char)
        i += 1
    word = "".join(text)
    keyword = _KEYWORDS.get(word.lower())
    tokens.append(_Token(keyword or "word", word, start, wildcard and not keyword))
    return i


def _lucene_literal(text: str) -> str:
    """A KQL word (with its escapes) as a Lucene term: specials escaped, unescaped ``*`` kept as wildcards."""
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            char = text[i + 1]
            out.append("\\" + char if char in _LUCENE_SPECIAL else char)
            i += 2
            continue
        out.append(char if char == "*" or char not in _LUCENE_SPECIAL else "\\" + char)
        i += 1
    return "".join(out)


def _unescape(word: str) -> str:
    out, i = [], 0
    while i < len(word):
        if word[i] == "\\":
            i += 1
        out.append(word[i])
        i += 1
    return "".join(out)


def _lucene_phrase(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Parser:
    """``or := and ("or" and)*``, ``and := not ("and" not)*``, ``not := "not" not | primary``,
    ``primary := "(" or ")" | field ":" values | field OP value | value``; ``values`` is a value, ``*`` or
    a parenthesised or/and/not of values, all for that one field."""

    def __init__(self, query: str, tokens: list[_Token]) -> None:
        self.query = query
        self.tokens = tokens
        self.at = 0

    def peek(self, offset: int = 0) -> _Token | None:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def kind(self, offset: int = 0) -> str:
        token = self.peek(offset)
        return token.kind if token else "end"

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def error(self, reason: str, token: _Token | None) -> QueryError:
        if token is None:
            return _error(self.query, reason, len(self.query))
        return _error(self.query, reason, token.position, token.text)

    def expect_operand(self, after: _Token | None) -> None:
        if self.kind() in ("end", "rparen"):
            what = f"{after.text!r}" if after else "the query"
            raise self.error(f"{what} needs something after it", after or self.peek())

    def group(self, parts: list[str], operator: str) -> str:
        return parts[0] if len(parts) == 1 else "(" + f" {operator} ".join(parts) + ")"

    # --- whole queries ---------------------------------------------------------------------------------

    def or_(self, depth: int, field: str | None = None) -> str:
        parts = [self.and_(depth, field)]
        while self.kind() == "or":
            operator = self.take()
            self.expect_operand(operator)
            parts.append(self.and_(depth, field))
        return self.group(parts, "OR")

    def and_(self, depth: int, field: str | None) -> str:
        parts = [self.not_(depth, field)]
        while True:
            if self.kind() == "and":
                operator = self.take()
                self.expect_operand(operator)
                parts.append(self.not_(depth, field))
            elif self.kind() in ("word", "quoted", "lparen", "not"):
                raise self.error(
                    "two values without 'and'/'or' between them: KQL reads them as one multi-word value, which "
                    "this translator does not support; write 'a or b', 'a and b' or a quoted phrase",
                    self.peek(),
                )
            else:
                return self.group(parts, "AND")

    def not_(self, depth: int, field: str | None) -> str:
        if self.kind() == "not":
            operator = self.take()
            self.expect_operand(operator)
            if depth >= MAX_QUERY_DEPTH:
                raise self.error(f"'not' and parentheses nest deeper than {MAX_QUERY_DEPTH} levels", operator)
            return f"(NOT {self.not_(depth + 1, field)})"
        return self.primary(depth, field)

    def primary(self, depth: int, field: str | None) -> str:
        token = self.peek()
        if token is None:
            raise self.error("the query ends where a value was expected", None)
        if token.kind == "lparen":
            return self.parenthesised(depth, field)
        if field is None and token.kind == "word" and self.kind(1) in ("colon", "range"):
            return self.fielded(self.take(), depth)
        if token.kind in ("word", "quoted"):
            return self.value(self.take(), field)
        if token.kind == "rparen":
            raise self.error("unbalanced parenthesis: this ) closes nothing", token)
        if token.kind in ("lbrace", "rbrace"):
            raise self.error("nested field queries (field:{ ... }) are not supported", token)
        raise self.error(f"{token.text!r} is misplaced: expected a value, a field:value or a (group)", token)

    def parenthesised(self, depth: int, field: str | None) -> str:
        opening = self.take()
        if depth >= MAX_QUERY_DEPTH:
            raise self.error(f"parentheses nest deeper than {MAX_QUERY_DEPTH} levels", opening)
        self.expect_operand(opening)
        inner = self.or_(depth + 1, field)
        if self.kind() == "end":
            raise self.error("unbalanced parenthesis: this ( is never closed", opening)
        if self.kind() != "rparen":
            raise self.misplaced(self.peek())
        self.take()
        return inner

    # --- one field -------------------------------------------------------------------------------------

    def misplaced(self, token: _Token | None) -> QueryError:
        if token is not None and token.kind == "rparen":
            return self.error("unbalanced parenthesis: this ) closes nothing", token)
        if token is not None and token.kind in ("lbrace", "rbrace"):
            return self.error("nested field queries (field:{ ... }) are not supported", token)
        return self.error(f"{token.text if token else ''!r} is misplaced here", token)

    def fielded(self, name: _Token, depth: int) -> str:
        field = self.field_name(name)
        operator = self.take()
        if operator.kind == "range":
            return self.range(field, operator)
        token = self.peek()
        if token is None:
            raise self.error(f"{name.text + ':'!r} needs a value after it", name)
        if token.kind == "lbrace":
            raise self.error(f"nested field queries ({name.text}:{{ ... }}) are not supported", token)
        if token.kind == "word" and token.text == "*":
            self.take()
            return f"_exists_:{field}"
        if token.kind == "lparen":
            return self.parenthesised(depth, field)
        if token.kind in ("word", "quoted"):
            return self.value(self.take(), field)
        raise self.error(f"{name.text + ':'!r} needs a value, a quoted phrase, * or a (group) after it", token)

    def field_name(self, token: _Token) -> str:
        if token.wildcard:
            raise self.error(f"wildcards in field names ({token.text!r}) are not supported", token)
        if not all(c.isalnum() or c in "_.@-" for c in token.text):
            raise self.error(f"{token.text!r} is not a field name (letters, digits, _ . @ -)", token)
        return token.text

    def range(self, field: str, operator: _Token) -> str:
        token = self.peek()
        if token is None or token.kind not in ("word", "quoted") or token.wildcard:
            raise self.error(f"{operator.text!r} needs a value after it, as in attempts >= 1", operator)
        self.take()
        raw = token.text if token.kind == "quoted" else _unescape(token.text)
        value = _lucene_phrase(raw) if any(c in _LUCENE_SPECIAL for c in raw) or not raw else raw
        low, high = _RANGE_OPS[operator.text]
        if low.endswith("*"):  # < and <=: open below
            return f"{field}:{low} TO {value}{high}"
        return f"{field}:{low}{value} TO {high}"

    def value(self, token: _Token, field: str | None) -> str:
        if token.kind == "word" and token.text == "*":  # any value: the field exists (bare: everything)
            return f"_exists_:{field}" if field else "*"
        if token.kind == "quoted":
            text = _lucene_phrase(token.text)
        else:
            if token.wildcard and token.text.startswith("*"):
                raise self.error(
                    f"leading wildcard in {token.text!r}: a wildcard must follow at least one character", token
                )
            text = _lucene_literal(token.text)
        return f"{field}:{text}" if field else text


def kql_to_lucene(query: str) -> str:
    """The Lucene ``query_string`` text that means what ``query`` (KQL, the supported subset) means, checked
    by :func:`validate_query`; else a :class:`QueryError` naming the column (of the KQL) to blame."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(
            f"KQL: the query is {len(query)} characters long; at most {MAX_QUERY_CHARS} are allowed",
            query=query[:100],
            position=MAX_QUERY_CHARS,
        )
    parser = _Parser(query, _lex(query))
    if parser.kind() == "end":
        return ""
    lucene = parser.or_(0)
    if parser.peek() is not None:
        raise parser.misplaced(parser.peek())
    return validate_query(lucene)


def to_lucene(query: str, syntax: Syntax = "lucene") -> str:
    """A query as Wirewatch runs it: Lucene as given (validated), or KQL translated. For every entry point
    that takes a query and a ``syntax`` (the CLI's ``--kql``; later the workspace's ``syntax=kql``)."""
    if syntax == "kql":
        return kql_to_lucene(query)
    return validate_query(query)
