"""Geometry of the server-drawn SVG chart of instalments by financial year (paid stacked under outstanding)."""

from dataclasses import dataclass

from settlements.money import format_gbp

WIDTH, HEIGHT = 640, 260
LEFT, BOTTOM, TOP = 16, 40, 16
BAR_GAP = 24


@dataclass(frozen=True)
class Bar:
    label: str
    title: str
    x: int
    width: int
    paid_y: float
    paid_height: float
    outstanding_y: float
    outstanding_height: float
    label_x: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: int
    label_y: int
    bars: list[Bar]


def year_chart(years) -> Chart:
    """Bars scaled to the largest year's amount; each bar's title repeats its figures for assistive tech."""
    baseline = HEIGHT - BOTTOM
    largest = max((year.balance.amount.amount for year in years), default=0)
    if not years or largest <= 0:
        return Chart(WIDTH, HEIGHT, baseline, HEIGHT - 16, [])
    slot = (WIDTH - LEFT) // len(years)
    width = max(min(slot - BAR_GAP, 80), 8)
    scale = (baseline - TOP) / float(largest)  # drawing only: pixels, never money
    bars = []
    for index, year in enumerate(years):
        paid = float(year.balance.paid.amount) * scale
        outstanding = float(year.balance.outstanding.amount) * scale
        x = LEFT + index * slot + (slot - width) // 2
        bars.append(
            Bar(
                label=str(year.financial_year),
                title=(
                    f"{year.financial_year}: {format_gbp(year.balance.paid)} paid, "
                    f"{format_gbp(year.balance.outstanding)} outstanding"
                ),
                x=x,
                width=width,
                paid_y=baseline - paid,
                paid_height=paid,
                outstanding_y=baseline - paid - outstanding,
                outstanding_height=outstanding,
                label_x=x + width / 2,
            )
        )
    return Chart(WIDTH, HEIGHT, baseline, HEIGHT - 16, bars)
