"""Unit tests of the matching rules: name normalization, customer and item decisions."""

from __future__ import annotations

import pytest

from integrations.importer.matching import (
    CREATE,
    LINK,
    REVIEW,
    CustomerIndex,
    Decision,
    ItemIndex,
    Local,
    emails_compatible,
    normalize_name,
)
from integrations.importer.push import free_name
from integrations.qbo.names import qbo_name


def _kind_id(decision: Decision) -> tuple[str, int | None]:
    return decision.kind, decision.local_id


@pytest.mark.parametrize(("a", "b"), [
    ("Acme Heating", "ACME   heating"),                 # case and runs of spaces
    ("  Acme\tHeating\n", "Acme Heating"),              # tabs, newlines, edges
    ("O'Brien Heating & Air", "O’Brien Heating & Air"),  # straight vs curly apostrophe
    ("Bob's Plumbing", "Bobs Plumbing"),                # apostrophes are dropped, not spaced
    ("Smith-Jones", "Smith Jones"),                     # other punctuation becomes a space
    ("Acme, Inc.", "Acme Inc"),
    ("A&B Services", "A & B Services"),                 # '&' kept as its own word
    ("José Núñez", "Jose Nunez"),                       # accents stripped
    ("Straße", "STRASSE"),                              # casefold, not lower
    ("ＡＣＭＥ", "acme"),                                  # full-width forms (NFKC)
    ("Smith: Main St", qbo_name("Smith: Main St", 500)),  # QBO's ':' rewrite still matches
])
def test_names_that_normalize_equal(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


@pytest.mark.parametrize(("a", "b"), [
    ("A&B Services", "AB Services"),   # '&' is meaningful
    ("Acme Heating", "Acme Heating 2"),
    ("Jane Smith", "Jane A. Smith"),
    ("", "x"),
])
def test_names_that_stay_apart(a: str, b: str) -> None:
    assert normalize_name(a) != normalize_name(b)


def test_normalize_examples() -> None:
    assert normalize_name("  O'Brien   Heating & Air, Inc. ") == "obrien heating & air inc"
    assert normalize_name(None) == ""


def test_emails_compatible_when_equal_or_one_missing() -> None:
    assert emails_compatible("A@X.example", " a@x.example ")
    assert emails_compatible("", "a@x.example") and emails_compatible("a@x.example", None)
    assert not emails_compatible("a@x.example", "b@x.example")


def test_customer_decisions() -> None:
    index = CustomerIndex([Local(1, "Acme Heating", "a@acme.example"), Local(2, "Jane Smith", "jane@local.example"),
                           Local(3, "Twin"), Local(4, "twin"), Local(5, "Taken Co")], taken=[5])
    assert _kind_id(index.decide("ACME heating", "A@acme.example")) == (LINK, 1)
    assert _kind_id(index.decide("Acme Heating", "")) == (LINK, 1)
    jane = index.decide("Jane Smith", "jane@qbo.example")
    assert jane.kind == REVIEW and jane.reason == "Same name, but the email addresses differ."
    assert [c.id for c in index.decide("TWIN", "").candidates] == [3, 4]
    assert index.decide("TWIN", "").kind == REVIEW
    assert index.decide("Taken Co", "").kind == REVIEW  # already linked to another QBO record
    assert index.decide("Nobody", "n@x.example").kind == CREATE


def test_a_linked_customer_is_taken_for_the_next_row() -> None:
    index = CustomerIndex([Local(1, "Acme Ltd")])
    assert index.decide("Acme Ltd", "").kind == LINK
    index.take(1)
    assert index.decide("acme  ltd", "").kind == REVIEW


def test_item_decisions_by_sku_then_name() -> None:
    index = ItemIndex([Local(1, "Hourly labour", sku="LAB-HR"), Local(2, "Filter 16x25"), Local(3, "Taken", sku="T")],
                      taken=[3])
    assert _kind_id(index.decide("Labor - Hourly", "lab-hr")) == (LINK, 1)  # SKU wins over a different name
    assert _kind_id(index.decide("filter 16X25", None)) == (LINK, 2)
    assert index.decide("Something", "T").kind == REVIEW
    assert index.decide("Brand new", "NEW-1").kind == CREATE


def test_free_name_skips_suffixes_already_in_qbo() -> None:
    known = {normalize_name(n) for n in ("Acme", "Acme (2)", "ACME (3)")}
    assert free_name("Acme", known) == "Acme (4)"
    assert len(free_name("x" * 500, set())) == 500  # QBO's DisplayName limit holds with the suffix
