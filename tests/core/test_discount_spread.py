"""How an invoice discount is split over its lines before per-line tax (invoicing.totals.spread): in proportion to
the line amounts, the cents by largest remainder. QBO documents no rule (reference §6.3, unverified); the
simulator's switch non_us_discount_spread makes the same assumption, and books-match tests check the two agree."""

from __future__ import annotations

from decimal import ROUND_FLOOR
from decimal import Decimal as D

from hypothesis import assume, given
from hypothesis import strategies as st

from invoicing.totals import spread

CENT = D("0.01")


def test_the_cents_left_go_to_the_largest_remainders() -> None:
    # 8.28 x 284.13/546.48 = 4.30502…, x 262.35/546.48 = 3.97497…: 4.30 + 3.97, the cent to the first.
    assert spread(D("8.28"), [D("284.13"), D("262.35")]) == [D("4.31"), D("3.97")]
    # 7.39 over three lines: 2.4356…, 1.4781…, 3.4761…; two cents left, to the 2nd and 3rd.
    assert spread(D("7.39"), [D("222.33"), D("134.93"), D("317.31")]) == [D("2.43"), D("1.48"), D("3.48")]


def test_a_tie_goes_to_the_earlier_line() -> None:
    assert spread(D("0.10"), [D("10.06")] * 3) == [D("0.04"), D("0.03"), D("0.03")]


def test_credit_lines_take_a_negative_share() -> None:
    assert spread(D("21.00"), [D("200.00"), D("-20.00"), D("30.00")]) == [D("20.00"), D("-2.00"), D("3.00")]


def test_nothing_to_spread() -> None:
    assert spread(D("0.00"), [D("1.00"), D("2.00")]) == [D("0.00"), D("0.00")]
    assert spread(D("5.00"), [D("1.00"), D("-1.00")]) == [D("0.00"), D("0.00")]


amounts = st.lists(st.decimals(min_value=CENT, max_value=D(100000), places=2), min_size=1, max_size=8)


@given(weights=amounts, fraction=st.decimals(min_value=0, max_value=1, places=4))
def test_shares_add_up_and_each_is_its_proportion_rounded_up_or_down(weights: list[D], fraction: D) -> None:
    total = (sum(weights, D(0)) * fraction).quantize(CENT)
    shares = spread(total, weights)
    assert sum(shares, D(0)) == total
    whole = sum(weights, D(0))
    for share, weight in zip(shares, weights, strict=True):
        assert share == share.quantize(CENT) and abs(share - total * weight / whole) < CENT
        assert D(0) <= share <= weight  # a line never gets more discount than its amount


@given(weights=amounts, data=st.data())
def test_the_order_of_lines_does_not_change_their_shares(weights: list[D], data: st.DataObject) -> None:
    """Only a tie of remainders (broken by the earlier line) depends on the order."""
    distinct = sorted(set(weights))
    total = (sum(distinct, D(0)) / 3).quantize(CENT)
    exact = [total * weight / sum(distinct, D(0)) for weight in distinct]
    remainders = [value - value.quantize(CENT, rounding=ROUND_FLOOR) for value in exact]
    assume(len(set(remainders)) == len(remainders))
    shuffled = data.draw(st.permutations(distinct))
    by_weight = dict(zip(distinct, spread(total, distinct), strict=True))
    assert dict(zip(shuffled, spread(total, shuffled), strict=True)) == by_weight
