"""The due report's CSV lines formatted by PostgreSQL and streamed by `COPY ... TO STDOUT`.

The same bytes as `exports.due_csv_lines` writes with Python's csv module, faster (docs/benchmarks/README.md): each
field is made text in the query the way the Python path makes it, and COPY's CSV quoting is csv.QUOTE_MINIMAL's
(a field is quoted when it holds a comma, a double quote or a line break). Two things differ and are put right
here: COPY ends a row with LF where the csv module writes CRLF, and it quotes a text equal to its NULL marker,
by default the empty text, so the marker is set to a backslash and N. tests/exports/test_exports.py compares the two
paths byte for byte on PostgreSQL.
"""

from django.db import connections
from django.db.models import Case, CharField, F, Func, Value, When
from django.db.models.functions import Cast, Concat, LPad, Mod

from settlements.models import Instalment
from settlements.money import GBP

TEXT = CharField()


def _text(expression, template: str) -> Func:
    return Func(expression, template=template, output_field=TEXT)


def plain_pounds(pence: str) -> Func:
    """Whole pence as a plain decimal with two places, as `money.pounds` gives it."""
    return _text(F(pence), "((%(expressions)s)::numeric / 100)::numeric(20, 2)::text")


def financial_year_name() -> Concat:
    """The due date's financial year as `FinancialYear.__str__` writes it: 2025/26."""
    start = Cast(Instalment.objects.financial_year_of_due_date(), output_field=TEXT)
    end = LPad(Cast(Mod(Instalment.objects.financial_year_of_due_date() + 1, 100), output_field=TEXT), 2, Value("0"))
    return Concat(start, Value("/"), end, output_field=TEXT)


def funding_label() -> Concat:
    """As `exports.funding_label`: the source's label, then the reserve's name when there is one."""
    label = Case(
        *[When(funding_source=source, then=Value(text)) for source, text in Instalment.FundingSource.choices],
        default=F("funding_source"),
        output_field=TEXT,
    )
    reserve = Case(
        When(reserve_name="", then=Value("")), default=Concat(Value(": "), F("reserve_name")), output_field=TEXT
    )
    return Concat(label, reserve, output_field=TEXT)


def neutralised(expression) -> Func:
    """As `exports.neutralised`: text a spreadsheet would run as a formula gets a quote in front."""
    return _text(expression, "regexp_replace(%(expressions)s, '^([=+@\\t\\r-])', '''\\1')")


def fields() -> dict:
    """The columns of DUE_HEADER, each as the text the CSV holds."""
    return {
        "csv_alliance": neutralised(F("settlement__alliance__name")),
        "csv_payer": neutralised(F("settlement__payer__short_name")),
        "csv_payee": neutralised(F("settlement__payee__short_name")),
        "csv_instalment": Cast("number", output_field=TEXT),
        "csv_due_on": _text(F("due_on"), "to_char(%(expressions)s, 'YYYY-MM-DD')"),
        "csv_financial_year": financial_year_name(),
        "csv_amount": plain_pounds("amount_pence"),
        "csv_currency": Value(GBP, output_field=TEXT),
        "csv_paid": plain_pounds("paid_pence"),
        "csv_outstanding": plain_pounds("outstanding_pence"),
        "csv_status": F("status"),
        "csv_funding_source": neutralised(funding_label()),
    }


def due_csv_rows(rows, *, lines_per_chunk: int):
    """The CSV lines of the rows (annotated with status and balances, in order), `lines_per_chunk` a piece."""
    columns = fields()
    sql, params = rows.annotate(**columns).values_list(*columns).query.get_compiler(rows.db).as_sql()
    # NULL is never output (no column can be NULL); naming another marker stops COPY quoting empty texts.
    statement = f"COPY ({sql}) TO STDOUT (FORMAT csv, NULL '\\N')"
    with connections[rows.db].cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        chunk = []
        for row in copy:  # libpq hands over one row at a time, ending with LF
            chunk.append(row[:-1])
            if len(chunk) == lines_per_chunk:
                yield (b"\r\n".join(chunk) + b"\r\n").decode()
                chunk.clear()
        if chunk:
            yield (b"\r\n".join(chunk) + b"\r\n").decode()
