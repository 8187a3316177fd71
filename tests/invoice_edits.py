"""Random edits of an invoice's lines (keep, change, remove, add) and what they must leave behind, for the
round-trip tests of the invoice page (tests/pages) and the API (tests/api); plus a reader of a form's
fields as a browser would submit them.

A line is taxed with one of two single-rate tax codes, or not at all; an edit may change its code. The
expected totals are worked out here from first principles (half-up to cents, each rate's tax rounded once
on the lines carrying it: the organization's default per-invoice rounding, prices before tax), not with
invoicing.totals, so a bug there cannot hide behind an agreeing test.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser

from hypothesis import strategies as st

from accounts.models import Organization
from customers.models import Customer
from invoicing.models import Invoice, TaxCode, TaxRate
from invoicing.services import LineInput, invoice_create

CENT = Decimal("0.01")
# The tax codes a line may carry (None: no tax), each of one rate of this percent.
CODES = {"Low": Decimal("8.875"), "High": Decimal(10)}


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_code: str | None  # a name in CODES

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Plan:
    start: list[Line]
    # One per starting line: ("keep", None), ("edit", the line it becomes) or ("delete", None).
    actions: list[tuple[str, Line | None]]
    added: list[Line]

    def expected(self) -> list[Line]:
        kept = [new or old for old, (what, new) in zip(self.start, self.actions, strict=True) if what != "delete"]
        return kept + self.added

    def kept_indexes(self) -> list[int]:
        """Indexes into `start` of the lines that stay (their stored ids must stay too)."""
        return [i for i, (what, _) in enumerate(self.actions) if what != "delete"]

    def totals(self) -> tuple[Decimal, Decimal, Decimal]:
        lines = self.expected()
        subtotal = sum((line.amount for line in lines), Decimal("0.00"))
        tax = sum(
            ((sum((line.amount for line in lines if line.tax_code == name), Decimal("0.00")) * percent / 100)
             .quantize(CENT, rounding=ROUND_HALF_UP)
             for name, percent in CODES.items()),
            Decimal(0),
        )
        return subtotal, tax, subtotal + tax


lines = st.builds(
    Line,
    description=st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=24),
    quantity=st.decimals(min_value=Decimal("0.001"), max_value=Decimal(5000), places=3),
    unit_price=st.decimals(min_value=Decimal("0.00"), max_value=Decimal("99999.99"), places=2),
    tax_code=st.sampled_from([None, *CODES]),
)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    start = draw(st.lists(lines, min_size=1, max_size=6))
    actions: list[tuple[str, Line | None]] = [draw(st.one_of(st.just(("keep", None)), st.just(("delete", None)),
                              lines.map(lambda line: ("edit", line))))
               for _ in start]
    return Plan(start=start, actions=actions, added=draw(st.lists(lines, max_size=3)))


def tax_codes(organization: Organization) -> dict[str, TaxCode]:
    """The CODES of the organization, made on first use."""
    codes = {}
    for name, percent in CODES.items():
        code, created = TaxCode.objects.get_or_create(organization=organization, name=name)
        if created:
            code.rates.add(TaxRate.objects.create(organization=organization, name=f"{name} rate", rate=percent))
        codes[name] = code
    return codes


def create_start(organization: Organization, customer: Customer, plan: Plan) -> Invoice:
    codes = tax_codes(organization)
    today = date.today()
    return invoice_create(
        organization=organization, customer=customer, issue_date=today, due_date=today + timedelta(days=30),
        lines=[LineInput(description=line.description, quantity=line.quantity, unit_price=line.unit_price,
                         tax_code=codes.get(line.tax_code or ""), taxable=line.tax_code is not None)
               for line in plan.start])


def stored(invoice: Invoice) -> list[Line]:
    return [Line(line.description, line.quantity, line.unit_price, line.tax_code.name if line.tax_code else None)
            for line in invoice.lines.select_related("tax_code")]


def assert_left_as_planned(invoice: Invoice, plan: Plan, start_ids: list[int]) -> None:
    invoice.refresh_from_db()
    assert stored(invoice) == plan.expected()
    assert [line.amount for line in invoice.lines.all()] == [line.amount for line in plan.expected()]
    kept_ids = [start_ids[i] for i in plan.kept_indexes()]
    assert list(invoice.lines.values_list("id", flat=True))[:len(kept_ids)] == kept_ids
    subtotal, tax, total = plan.totals()
    assert (invoice.subtotal, invoice.tax_amount, invoice.total, invoice.balance) == (subtotal, tax, total, total)


class _FormFields(HTMLParser):
    """The name=value pairs a browser submits for the form marked `marker`: checked boxes only, the
    selected option (else the first), and nothing inside <template> (the line editor's blank row)."""

    def __init__(self, marker: tuple[str, str]) -> None:
        super().__init__()
        self.marker = marker
        self.fields: dict[str, str] = {}
        self.in_form = False
        self.in_template = 0
        self.select: str | None = None
        self.select_chosen = False
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            name, value = self.marker
            self.in_form = name in a and value in (a[name], "")
        if tag == "template":
            self.in_template += 1
        if not self.in_form or self.in_template or "name" not in a and tag != "option":
            return
        if "__prefix__" in a.get("name", ""):  # a blank row script copies (the admin's inline template)
            return
        if tag == "input":
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") not in ("submit", "button"):
                self.fields[a["name"]] = a.get("value", "on" if a.get("type") == "checkbox" else "")
        elif tag == "select":
            self.select, self.select_chosen = a["name"], False
        elif tag == "option" and self.select is not None and not self.select_chosen:
            if "selected" in a or self.select not in self.fields:
                self.fields[self.select] = a.get("value", "")
            self.select_chosen = "selected" in a
        elif tag == "textarea":
            self.textarea = a["name"]
            self.fields[self.textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False
        elif tag == "template":
            self.in_template -= 1
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea is not None and not self.in_template:
            self.fields[self.textarea] += data.removeprefix("\n") if not self.fields[self.textarea] else data


def form_fields(html: str, marker: tuple[str, str] = ("data-invoice-form", "")) -> dict[str, str]:
    """The fields of the form carrying attribute marker[0] (with value marker[1], if given)."""
    parser = _FormFields(marker)
    parser.feed(html)
    return parser.fields
