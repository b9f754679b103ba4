"""Properties of split_evenly over totals from £0.01 to £100bn and 1 to 120 parts."""

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from settlements.money import from_pence, to_pence
from settlements.services import split_evenly

MAX_PENCE = 100_000_000_000_00
EXAMPLES = 1000


@pytest.mark.slow  # a Hypothesis search; tests/services/test_schedules.py checks the same rule on chosen totals
def test_split_evenly_sums_exactly_differs_by_at_most_a_penny_and_never_changes():
    examples = []

    @settings(max_examples=EXAMPLES, deadline=None)
    @given(pence=st.integers(min_value=1, max_value=MAX_PENCE), count=st.integers(min_value=1, max_value=120))
    def check(pence, count):
        assume(count <= pence)
        examples.append((pence, count))
        split = split_evenly(from_pence(pence), count)
        parts = [to_pence(part) for part in split]
        assert len(parts) == count
        assert sum(parts) == pence
        assert max(parts) - min(parts) <= 1
        assert parts == sorted(parts, reverse=True), "the earliest parts take the odd pennies"
        assert all(part.amount.as_tuple().exponent == -2 for part in split)
        assert split_evenly(from_pence(pence), count) == split

    check()
    print(f"\nsplit_evenly: {len(examples)} examples")
    assert len(examples) >= EXAMPLES // 2
    assert any(pence >= 10_000_000_000_00 for pence, _ in examples), "totals in the billions were tried"
