"""QBO's query language (reference §2.5-2.6): parse, filter, order, page.

Grammar: SELECT * | COUNT(*) | *, f | f, ... FROM Entity [WHERE c AND c ...]
[ORDER BY|ORDERBY f [ASC|DESC], ...] [STARTPOSITION n] [MAXRESULTS m]; c is
``f op v``, ``f IN (v, ...)`` or ``f LIKE 'x%'``. There is no OR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import errors

DEFAULT_MAX, CAP_MAX = 100, 1000
_TOKEN = re.compile(r"""\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<num>-?\d+(?:\.\d+)?)(?![\w.])
    |(?P<op><=|>=|!=|<>|=|<|>)|(?P<punct>[(),*])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))""", re.VERBOSE)
_KEYWORDS = {"select", "from", "where", "and", "or", "order", "orderby", "by", "asc", "desc",
             "startposition", "maxresults", "in", "like", "count", "not"}


@dataclass
class Cond:
    field: str
    op: str
    values: list[Any]


@dataclass
class Query:
    entity: str = ""
    count: bool = False
    fields: list[str] | None = None
    conds: list[Cond] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)
    start: int = 1
    max: int = DEFAULT_MAX


@dataclass
class Tok:
    kind: str
    text: str
    col: int

    @property
    def low(self) -> str:
        return self.text.lower()


def tokenize(text: str) -> list[Tok]:
    toks, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            col = pos + len(text[pos:]) - len(text[pos:].lstrip()) + 1
            raise errors.query_parse(f'Lexical error at line 1, column {col}.  Encountered: "{text[col - 1]}"')
        kind = m.lastgroup or "word"
        toks.append(Tok(kind, m.group(kind), m.start(kind) + 1))
        pos = m.end()
    return toks


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = tokenize(text)
        self.i = 0

    def peek(self) -> Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def fail(self, tok: Tok | None) -> errors.ApiError:
        if tok is None:
            return errors.query_parse('Encountered "<EOF>" at line 1, column 1.')
        label = f"<{tok.text.upper()}> " if tok.low in _KEYWORDS else ""
        return errors.query_parse(f'Encountered " {label}"{tok.text} "" at line 1, column {tok.col}.')

    def next(self) -> Tok:
        tok = self.peek()
        if tok is None:
            raise self.fail(None)
        self.i += 1
        return tok

    def accept(self, *words: str) -> bool:
        tok = self.peek()
        if tok is not None and (tok.low in words or tok.text in words):
            self.i += 1
            return True
        return False

    def expect(self, *words: str) -> Tok:
        tok = self.next()
        if tok.low not in words and tok.text not in words:
            raise self.fail(tok)
        return tok

    def ident(self) -> str:
        tok = self.next()
        if tok.kind != "word" or tok.low in _KEYWORDS:
            raise self.fail(tok)
        return tok.text

    def value(self) -> Any:
        tok = self.next()
        if tok.kind == "str":
            return re.sub(r"\\(.)", r"\1", tok.text[1:-1])  # QBO escapes a quote as \'
        if tok.kind == "num":
            return float(tok.text)
        if tok.low in ("true", "false"):
            return tok.low == "true"
        raise self.fail(tok)

    def parse(self) -> Query:
        q = Query()
        self.expect("select")
        self._projection(q)
        self.expect("from")
        q.entity = self.ident()
        if self.accept("where"):
            q.conds.append(self._cond())
            while self.accept("and"):
                q.conds.append(self._cond())
        self._tail(q)
        if self.peek() is not None:
            raise self.fail(self.peek())  # e.g. OR: QBO has no OR (4000)
        return q

    def _projection(self, q: Query) -> None:
        if self.accept("*"):
            while self.accept(","):
                self.ident()  # "SELECT *, Sku" (python-quickbooks Item.all) returns everything
        elif self.accept("count"):
            self.expect("(")
            self.expect("*")
            self.expect(")")
            q.count = True
        else:
            q.fields = [self.ident()]
            while self.accept(","):
                q.fields.append(self.ident())

    def _cond(self) -> Cond:
        name = self.ident()
        tok = self.next()
        if tok.low == "in":
            self.expect("(")
            values = [self.value()]
            while self.accept(","):
                values.append(self.value())
            self.expect(")")
            return Cond(name, "in", values)
        if tok.low == "like":
            return Cond(name, "like", [self.value()])
        if tok.kind != "op":
            raise self.fail(tok)
        return Cond(name, tok.text, [self.value()])

    def _tail(self, q: Query) -> None:
        while self.peek() is not None:
            if self.accept("orderby") or (self.accept("order") and self.expect("by")):
                q.order.append(self._order_item())
                while self.accept(","):
                    q.order.append(self._order_item())
            elif self.accept("startposition"):
                q.start = max(1, self._int())
            elif self.accept("maxresults"):
                q.max = self._int()
                if q.max < 1:
                    raise errors.query_parse("MAXRESULTS must be at least 1")
                q.max = min(q.max, CAP_MAX)
            else:
                return

    def _order_item(self) -> tuple[str, bool]:
        name = self.ident()
        if self.accept("desc"):
            return name, True
        self.accept("asc")
        return name, False

    def _int(self) -> int:
        tok = self.next()
        if tok.kind != "num" or "." in tok.text:
            raise self.fail(tok)
        return int(tok.text)


def parse(text: str) -> Query:
    return _Parser(text).parse()
