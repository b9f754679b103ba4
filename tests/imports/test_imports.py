"""Spreadsheet import: dry run first, all or nothing, idempotent, drafts for a second person, payments held until
approval, and hostile files refused within bounds."""

import io
import time
import zipfile
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from djmoney.money import Money
from openpyxl import Workbook

from settlements import models, roles
from settlements.imports import reading, templates
from settlements.imports.run import run_import
from settlements.services import ApprovalRefused, approve_settlement
from tests import factories
from tests.access_helpers import SUPERUSER, make_user
from tests.import_helpers import KEY, SEED, copy, seed_workbook, sheets_of, upload

pytestmark = pytest.mark.django_db

COUNTED = [
    models.Force,
    models.Alliance,
    models.TerminationNotice,
    models.Settlement,
    models.SettlementAdjustment,
    models.Instalment,
    models.HeldPayment,
    models.Payment,
]


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in COUNTED} | {
        f"{model.__name__} history": model.history.count() for model in COUNTED
    }


@pytest.fixture
def importer():
    return make_user(roles.FINANCE_EDITOR, "importer")


def imported(importer, rows=SEED, *, confirm=True):
    return run_import(sheets=sheets_of(rows), user=importer, confirm=confirm)


def seed_settlement():
    return models.Settlement.objects.get(agreed_on=date(2020, 3, 30), payer__short_name="West Mercia")


def test_the_seed_case_imports_as_a_draft_entered_by_the_importer(importer):
    outcome = imported(importer)
    assert outcome.problems == [] and outcome.written
    settlement = seed_settlement()
    assert settlement.is_draft() and settlement.entered_by == importer
    assert settlement.cash_amount == Money("10500000.00", "GBP")
    assert settlement.termination_notice.served_on == date(2018, 10, 1)
    assert settlement.headline_amount() == Money("10500000.00", "GBP")  # the write-off counts once approved
    assert settlement.adjustments.get().amount == Money("270000.00", "GBP")
    assert [i.amount.amount for i in settlement.instalments.order_by("number")] == [6000000, 2250000, 2250000]
    assert set(settlement.alliance.members.values_list("short_name", flat=True)) == {"West Mercia", "Warwickshire"}
    assert settlement.held_payments.count() == 3 and not models.Payment.objects.exists()
    assert settlement.history.get().history_user == importer


def test_the_seed_case_imported_twice_changes_nothing_the_second_time(importer):
    imported(importer)
    before = counts()
    again = imported(importer)
    assert again.problems == [] and again.changes() == 0
    assert {row.action for sheet in again.sheets for row in sheet.rows} == {"skip"}
    assert counts() == before


def test_the_seed_case_imported_again_after_approval_changes_nothing(importer):
    imported(importer)
    factories.approve(seed_settlement())
    before = counts()
    again = imported(importer)
    assert again.problems == [] and again.changes() == 0
    assert counts() == before


def test_a_dry_run_writes_nothing_but_previews_every_row(importer):
    outcome = imported(importer, confirm=False)
    assert not outcome.written and outcome.problems == []
    assert [(sheet.name, sheet.summary()) for sheet in outcome.sheets][3:] == [
        ("Settlements", "1 added"),
        ("Adjustments", "1 added"),
        ("Schedules", "3 added"),
        ("Payments", "3 added"),
    ]
    assert all(count == 0 for count in counts().values())


def test_a_changed_cell_shows_as_a_change_of_that_column(importer):
    imported(importer)
    rows = copy(SEED)
    rows["Forces"][0][3] = "Police and Crime Commissioner for West Mercia"
    outcome = imported(importer, rows, confirm=False)
    forces = outcome.sheets[0]
    assert [(row.action, row.changes) for row in forces.rows] == [("update", "Policing body"), ("skip", "")]


# Approval records the held payments.


def test_the_importer_cannot_approve_and_a_second_person_records_the_held_payments():
    importer = make_user(SUPERUSER, "importing-manager")  # holds every permission, and is still the maker
    imported(importer)
    settlement = seed_settlement()
    with pytest.raises(ApprovalRefused, match="someone else must approve"):
        approve_settlement(settlement=settlement, approved_by=importer)
    factories.approve(settlement)
    payments = models.Payment.objects.order_by("paid_on")
    assert [(p.reference, p.paid_on, p.amount.amount) for p in payments] == [
        ("WMP-WARKS-2020-001", date(2020, 4, 30), 6000000),
        ("WMP-WARKS-2021-002", date(2021, 3, 31), 2250000),
        ("WMP-WARKS-2021-003", date(2021, 8, 31), 2250000),
    ]
    assert all(held.payment is not None for held in models.HeldPayment.objects.all())
    assert sum(i.paid_to_date_pence for i in settlement.instalments.all()) == 1050000000


@pytest.mark.parametrize(
    ("amount", "refused"), [("2,250,000.01", True), ("2,250,000.00", False), ("2,249,999.99", False)]
)
def test_an_approval_is_refused_when_a_held_payment_would_be_an_overpayment(importer, amount, refused):
    rows = copy(SEED)
    rows["Payments"][2][6] = amount
    imported(importer, rows)
    settlement = seed_settlement()
    if refused:
        with pytest.raises(ApprovalRefused, match=r"WMP-WARKS-2021-003.*would be refused"):
            factories.approve(settlement)
        settlement.refresh_from_db()
        assert settlement.is_draft() and not models.Payment.objects.exists()
    else:
        factories.approve(settlement)
        assert models.Payment.objects.count() == 3


# One bad row in each sheet: nothing written, every error with its sheet, row and column.


def test_one_bad_row_in_each_sheet_writes_nothing_and_reports_each_with_its_row(importer):
    rows = copy(SEED)
    rows["Forces"].append(["", "Nameless Police", "", ""])
    rows["Alliances"].append(["Second alliance", "West Mercia; Atlantis", "01/04/2014", None, None, None, None])
    rows["Notices"].append(["West Mercia and Warwickshire Strategic Alliance", "West Mercia", "31/02/2019"])
    rows["Settlements"].append([*KEY[:3], "01/05/2020", "10,50"])
    rows["Adjustments"].append([*KEY, "Write-off", "Vans", "-5"])
    rows["Schedules"].append([*KEY, "four", "30/04/2022", "1.00"])
    rows["Payments"].append([*KEY, 1, "30/04/2020", "1.00", ""])
    outcome = imported(importer, rows)
    assert not outcome.written
    assert all(count == 0 for count in counts().values())
    found = {(p.sheet, p.row, p.column): p.message for p in outcome.problems}
    assert found[("Forces", 4, "Short name")] == "This field cannot be blank."
    assert "No force is called “Atlantis”" in found[("Alliances", 3, "Members")]
    assert "“31/02/2019” is not a date" in found[("Notices", 3, "Served on")]
    assert found[("Settlements", 3, "Cash amount")] == "“10,50” is not an amount: write 1,050.00 or 10.50."
    assert "“-5” is not greater than £0.00" in found[("Adjustments", 3, "Amount")]
    assert "“four” is not an instalment number" in found[("Schedules", 5, "Instalment")]
    assert ("Payments", 5, "Reference") in found
    assert str(outcome.problems[0]).startswith("Sheet Forces, row 4, Short name: ")


def test_a_schedule_that_does_not_add_up_is_refused_with_the_difference(importer):
    rows = copy(SEED)
    rows["Schedules"][2][6] = "2,249,999.99"
    outcome = imported(importer, rows)
    assert not outcome.written
    assert [(p.sheet, p.row, p.column) for p in outcome.problems] == [("Schedules", 4, "Amount")]
    assert "£0.01 unallocated" in outcome.problems[0].message


def test_a_missing_column_is_named(importer):
    rows = {"Forces": SEED["Forces"]}
    book = Workbook()
    book.active.title = "Forces"
    book.active.append(["Short name", "Chief officer"])
    book.active.append(["Dyfed-Powys", "Chief Constable of Dyfed-Powys Police"])
    buffer = io.BytesIO()
    book.save(buffer)
    sheets = reading.read_upload(upload(buffer.getvalue()), "forces.xlsx")
    outcome = run_import(sheets=sheets, user=importer, confirm=True)
    assert [str(p) for p in outcome.problems] == ["Sheet Forces, row 1: the column “Name” is missing."]
    assert rows


def test_a_csv_file_of_one_kind_imports(importer):
    content = templates.csv_template("Forces") + b"Dyfed-Powys,Dyfed-Powys Police,,\n"
    sheets = reading.read_upload(upload(content, "forces.csv"), "forces.csv", csv_sheet="Forces")
    outcome = run_import(sheets=sheets, user=importer, confirm=True)
    assert outcome.written and models.Force.objects.get().name == "Dyfed-Powys Police"


# Hostile files.


def refused(content: bytes, name: str = "agreements.xlsx", **kwargs) -> str:
    with pytest.raises(reading.ImportFileError) as error:
        reading.read_upload(upload(content, name), name, **kwargs)
    return error.value.messages[0]


def test_a_renamed_binary_is_refused():
    executable = b"MZ\x90\x00" + bytes(200)
    assert "is not a Excel (XLSX) file" in refused(executable) or "is not an Excel" in refused(executable)
    assert "is not a CSV file" in refused(executable, "agreements.csv", csv_sheet="Forces")


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _content_types())
        archive.writestr("xl/worksheets/sheet1.xml", b"<" * (reading.MAX_UNPACKED_BYTES + 1))
    assert len(buffer.getvalue()) < 1024 * 1024
    assert "would unpack to more than" in refused(buffer.getvalue())


def _content_types() -> str:
    return (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override '
        'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
        '.main+xml"/></Types>'
    )


def _workbook_with_sheet_xml(sheet_xml: bytes) -> bytes:
    """A real workbook whose first sheet's XML is replaced: how a sheet of a million rows is made quickly."""
    source = io.BytesIO()
    book = Workbook()
    book.active.title = "Forces"
    book.active.append(["Short name", "Name"])
    book.save(source)
    target = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy_:
        for item in original.infolist():
            data = sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else original.read(item)
            copy_.writestr(item.filename, data)
    return target.getvalue()


def _million_rows(dimension: bool) -> bytes:
    rows = b"<row><c><v>1</v></c></row>" * 1_000_000  # 26 MB of XML, within the unpacked limit
    head = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    size = b'<dimension ref="A1:A1000000"/>' if dimension else b""
    return head + size + b"<sheetData>" + rows + b"</sheetData></worksheet>"


@pytest.mark.parametrize("dimension", [True, False], ids=["declared", "undeclared"])
def test_a_sheet_of_a_million_rows_is_refused_early(dimension):
    message = refused(_workbook_with_sheet_xml(_million_rows(dimension)))
    assert "has more than 10,000 rows: import it in parts of at most 10,000 rows." in message


@pytest.mark.parametrize(("rows", "allowed"), [(10_000, True), (10_001, False)])
def test_the_row_cap_of_a_workbook_counts_data_rows(rows, allowed):
    xml = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * (rows + 1) + b"</sheetData></worksheet>"
    )
    content = _workbook_with_sheet_xml(xml)
    if allowed:
        assert len(reading.read_upload(upload(content), "f.xlsx")[0].rows) == rows
    else:
        refused(content)


def test_a_csv_file_of_a_million_rows_is_refused_early():
    content = b"Short name,Name\n" + b"x,y\n" * 1_000_000
    assert "more than 10,000 rows" in refused(content, "forces.csv", csv_sheet="Forces")


@pytest.mark.parametrize(("rows", "allowed"), [(10_000, True), (10_001, False)])
def test_the_row_cap_is_ten_thousand_data_rows(rows, allowed):
    content = b"Short name,Name\n" + b"x,y\n" * rows
    if allowed:
        assert len(reading.read_upload(upload(content, "f.csv"), "f.csv", csv_sheet="Forces")[0].rows) == rows
    else:
        refused(content, "f.csv", csv_sheet="Forces")


def test_a_formula_in_a_cell_is_refused_naming_the_cell():
    book = Workbook()
    book.active.title = "Settlements"
    book.active.append(["Alliance", "Cash amount"])
    book.active.append(["A", "=SUM(B1:B2)"])
    buffer = io.BytesIO()
    book.save(buffer)
    message = refused(buffer.getvalue())
    assert message.startswith("Sheet Settlements, row 2, column B holds a formula (=SUM(B1:B2))")


def test_a_formula_in_a_csv_cell_is_refused():
    content = b'Short name,Name\nx,=HYPERLINK("http://example.com")\n'
    assert "row 2, column B holds a formula" in refused(content, "f.csv", csv_sheet="Forces")


def test_a_file_that_is_not_a_workbook_is_refused_by_its_name():
    assert "import an Excel (XLSX) or CSV file" in refused(b"%PDF-1.7\n", "agreement.pdf")


# Size: a 2,000-row workbook, dry run then confirm.


def two_thousand_rows() -> dict:
    rows = copy({name: SEED[name] for name in ("Forces", "Alliances")})
    rows |= {"Settlements": [], "Adjustments": [], "Schedules": [], "Payments": []}
    alliance = KEY[0]
    for n in range(333):
        agreed = date(2015, 4, 1).toordinal() + n
        agreed_on = date.fromordinal(agreed).strftime("%d/%m/%Y")
        key = [alliance, "West Mercia", "Warwickshire", agreed_on]
        rows["Settlements"].append([*key, "3,000.00"])
        rows["Adjustments"].append([*key, "Write-off", "Write-off", "100.00"])
        for number in (1, 2):
            due = date.fromordinal(agreed + 30 * number).strftime("%d/%m/%Y")
            rows["Schedules"].append([*key, number, due, "1,500.00"])
            rows["Payments"].append([*key, number, due, "1,500.00", f"REM-{n}-{number}"])
    return rows


@pytest.mark.slow
def test_a_two_thousand_row_workbook_previews_clean_then_writes_every_row(importer, capsys):
    """Its speed is printed, never asserted: the benchmark measures speed (the CPU time includes SQLite's work,
    which runs in this process; PostgreSQL's runs in the server)."""
    rows = two_thousand_rows()
    assert sum(len(sheet) for sheet in rows.values()) >= 2_000
    content = templates.workbook(rows)
    started, cpu = time.monotonic(), time.process_time()
    preview = run_import(sheets=reading.read_upload(upload(content), "big.xlsx"), user=importer, confirm=False)
    written = run_import(sheets=reading.read_upload(upload(content), "big.xlsx"), user=importer, confirm=True)
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu
    assert preview.problems == [] and written.written
    assert models.Settlement.objects.count() == 333 and models.SettlementAdjustment.objects.count() == 333
    assert models.Instalment.objects.count() == 666 and models.HeldPayment.objects.count() == 666
    with capsys.disabled():
        print(f"\n2,000-row workbook, dry run then confirm: {seconds:.1f} s on the clock, {cpu:.1f} s of CPU")


# The admin page.


def test_the_import_page_previews_then_writes_on_confirmation(client, importer):
    client.force_login(importer)
    url = reverse("admin:settlements_import")
    page = client.get(url)
    assert page.status_code == 200
    assert reverse("admin:settlements_import_template", args=["workbook"]).encode() in page.content
    preview = client.post(url, {"file": upload(seed_workbook())})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Preview: nothing is written until you confirm" in html and "WMP-WARKS-2021-003" in html
    assert not models.Settlement.objects.exists()
    confirmed = client.post(url, {"token": preview.context["token"]})
    assert confirmed.status_code == 302
    assert seed_settlement().entered_by == importer
    assert client.post(url, {"token": preview.context["token"]}).status_code == 302  # a second confirm: no file
    assert models.Settlement.objects.count() == 1


def test_the_import_page_shows_every_problem_and_offers_no_confirmation(client, importer):
    rows = copy(SEED)
    rows["Settlements"][0][4] = "10,50"
    client.force_login(importer)
    page = client.post(reverse("admin:settlements_import"), {"file": upload(templates.workbook(rows))})
    html = page.content.decode()
    assert "Sheet Settlements, row 2, Cash amount: “10,50” is not an amount: write 1,050.00 or 10.50." in html
    assert 'name="token"' not in html
    assert not models.Settlement.objects.exists()


def test_a_hostile_file_is_refused_on_the_page(client, importer):
    client.force_login(importer)
    page = client.post(reverse("admin:settlements_import"), {"file": upload(b"MZ" + bytes(100))})
    assert page.status_code == 200 and "whatever its name says" in page.content.decode()


@pytest.mark.parametrize("sheet", ["workbook", "Forces", "Payments"])
def test_each_template_downloads(client, importer, sheet):
    client.force_login(importer)
    response = client.get(reverse("admin:settlements_import_template", args=[sheet]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    if sheet != "workbook":
        assert response.content.decode("utf-8-sig").startswith("Alliance" if sheet == "Payments" else "Short name")


def test_a_viewer_cannot_import(client):
    client.force_login(make_user(roles.VIEWER))
    assert client.get(reverse("admin:settlements_import")).status_code == 403


def test_the_approval_page_shows_the_held_payments(admin_client, importer):
    imported(importer)
    page = admin_client.get(reverse("admin:settlements_settlement_change", args=[seed_settlement().pk]))
    assert "payments held until approval" in page.content.decode().lower()
    assert "WMP-WARKS-2021-002" in page.content.decode()


def test_reading_keeps_no_float():
    book = Workbook()
    book.active.title = "Settlements"
    book.active.append(["Cash amount"])
    book.active.append([10.1])
    buffer = io.BytesIO()
    book.save(buffer)
    assert reading.read_upload(upload(buffer.getvalue()), "x.xlsx")[0].rows == [["10.1"]]


def test_a_bad_token_is_refused(client, importer):
    client.force_login(importer)
    response = client.post(reverse("admin:settlements_import"), {"token": "forged"})
    assert response.status_code == 302


_ = ValidationError
