"""How a QBO record is matched to a local one, before anything is created on either side.

Name normalization (`normalize_name`), applied to both sides before comparing:

1. Unicode NFKC: compatibility forms fold together (full-width letters, ligatures such as "ﬁ",
   non-breaking and other exotic spaces).
2. casefold(): case-insensitive the Unicode way ("Straße" == "STRASSE").
3. Accents are stripped ("José Núñez" == "Jose Nunez"). People type names with and without accents;
   the email rule below still guards against linking two different people who share a name.
4. Apostrophes are deleted ("O'Brien" == "O’Brien" == "OBrien", "Bill's" == "Bills").
5. '&' is meaningful and kept as its own word ("A&B" == "A & B", but "A&B" != "AB").
6. Every other punctuation mark or symbol becomes a space ("Smith-Jones" == "Smith Jones",
   "Acme, Inc." == "Acme Inc", and QBO's forbidden ':' turned into " - " still matches).
7. Whitespace runs collapse to one space; leading and trailing space is dropped.

Customers: normalized display names equal AND emails equal (case-insensitive) or one side has no
email -> link. Same name but different emails, a name shared by several local customers, or a local
customer already linked to another QBO record -> review by a person; never a duplicate.
Items: by SKU (case-insensitive) first, then by normalized name, with the same "already linked" rule.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

_APOSTROPHES = frozenset("'’‘ʼ`´")
_SPACE = re.compile(r"\s+")

LINK, CREATE, REVIEW = "link", "create", "review"


class _CharMap(dict[int, str]):
    """str.translate table for steps 4-6, filled lazily (one Unicode category lookup per distinct
    character, not per character seen): 20,000 names a page must not cost a category call each."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if ch == "&":
            out = " & "
        elif ch in _APOSTROPHES:
            out = ""
        elif unicodedata.category(ch)[0] in "PS":  # P*: punctuation, S*: symbols
            out = " "
        else:
            out = ch
        self[code] = out
        return out


_CHARS = _CharMap()


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def normalize_name(name: str | None) -> str:
    """The comparison key of a display or item name (see the module docstring for each step)."""
    text = name or ""
    if text.isascii():
        text = text.casefold()  # ASCII needs neither NFKC nor accent stripping
    else:
        text = _strip_accents(unicodedata.normalize("NFKC", text).casefold())
    return " ".join(text.translate(_CHARS).split())


def normalize_email(email: str | None) -> str:
    return (email or "").strip().casefold()


def normalize_sku(sku: str | None) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", sku or "")).strip().casefold()


def emails_compatible(a: str | None, b: str | None) -> bool:
    """Equal, or one side has none (nothing contradicts the name match)."""
    ea, eb = normalize_email(a), normalize_email(b)
    return not ea or not eb or ea == eb


@dataclass(frozen=True)
class Local:
    id: int
    name: str
    email: str = ""
    sku: str = ""


@dataclass(frozen=True)
class Decision:
    kind: str  # LINK | CREATE | REVIEW
    local_id: int | None = None
    candidates: tuple[Local, ...] = ()
    reason: str = ""


@dataclass
class _Index:
    """Local records by key, and which of them are already linked (taken) on this connection."""

    taken: set[int] = field(default_factory=set)
    by_name: dict[str, list[Local]] = field(default_factory=lambda: defaultdict(list))

    def take(self, local_id: int) -> None:
        self.taken.add(local_id)

    def _by_name(self, name: str, key: str | None = None) -> Decision | None:
        cands = self.by_name.get(normalize_name(name) if key is None else key, [])
        if not cands:
            return None
        if len(cands) > 1:
            return Decision(REVIEW, candidates=tuple(cands), reason=f"{len(cands)} local records have this name.")
        if cands[0].id in self.taken:
            return Decision(REVIEW, candidates=tuple(cands),
                            reason="The local record with this name is already linked to another QuickBooks record.")
        return Decision(LINK, local_id=cands[0].id, candidates=tuple(cands))


class CustomerIndex(_Index):
    def __init__(self, locals_: Iterable[Local], taken: Iterable[int] = ()) -> None:
        super().__init__(taken=set(taken))
        for local in locals_:
            self.add(local)

    def add(self, local: Local) -> None:
        self.by_name[normalize_name(local.name)].append(local)

    def decide(self, name: str, email: str | None, *, key: str | None = None) -> Decision:
        """`key`: normalize_name(name), when the caller already has it."""
        found = self._by_name(name, key)
        if found is None:
            return Decision(CREATE)
        if found.kind == LINK and not emails_compatible(found.candidates[0].email, email):
            return Decision(REVIEW, candidates=found.candidates,
                            reason="Same name, but the email addresses differ.")
        return found


class ItemIndex(_Index):
    def __init__(self, locals_: Iterable[Local], taken: Iterable[int] = ()) -> None:
        super().__init__(taken=set(taken))
        self.by_sku: dict[str, list[Local]] = defaultdict(list)
        for local in locals_:
            self.add(local)

    def add(self, local: Local) -> None:
        self.by_name[normalize_name(local.name)].append(local)
        if normalize_sku(local.sku):
            self.by_sku[normalize_sku(local.sku)].append(local)

    def decide(self, name: str, sku: str | None) -> Decision:
        by_sku = self.by_sku.get(normalize_sku(sku), []) if normalize_sku(sku) else []
        if len(by_sku) == 1 and by_sku[0].id not in self.taken:
            return Decision(LINK, local_id=by_sku[0].id, candidates=tuple(by_sku))
        if by_sku:
            return Decision(REVIEW, candidates=tuple(by_sku),
                            reason="The local product with this SKU is already linked to another QuickBooks item.")
        return self._by_name(name) or Decision(CREATE)
