"""Workbooks for the import tests: the seed case as finance staff would type it."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from settlements.imports import reading, templates

ALLIANCE = "West Mercia and Warwickshire Strategic Alliance"
KEY = [ALLIANCE, "West Mercia", "Warwickshire", "30/03/2020"]

# Rows in each sheet's template order (settlements.imports.resources.columns).
SEED = {
    "Forces": [
        ["West Mercia", "West Mercia Police", "Chief Constable of West Mercia Police", "PCC for West Mercia"],
        ["Warwickshire", "Warwickshire Police", "Chief Constable of Warwickshire Police", "PCC for Warwickshire"],
    ],
    "Alliances": [[ALLIANCE, "West Mercia; Warwickshire", "01/04/2012", None, "£300m", None, "Since 2012"]],
    "Notices": [[ALLIANCE, "West Mercia", "01/10/2018", None, "Settled", "Notice served in October 2018"]],
    "Settlements": [
        [
            ALLIANCE,
            "West Mercia",
            "Warwickshire",
            "30/03/2020",
            "£10.5m",
            None,
            None,
            "yes",
            "01/10/2018",
            "From reserves and efficiencies",
            "Full and final",
        ],
    ],
    "Adjustments": [[*KEY, "Write-off", "Write-off of Warwickshire's running-cost contribution", "270k"]],
    "Schedules": [
        [*KEY, 1, "30/04/2020", "6,000,000.00", "Earmarked reserve", None],
        [*KEY, 2, "31/03/2021", "2,250,000.00", "Reserves and efficiencies", None],
        [*KEY, 3, "31/07/2021", "2,250,000.00", "Efficiency savings", None],
    ],
    "Payments": [
        [*KEY, 1, "30/04/2020", "6,000,000.00", "WMP-WARKS-2020-001"],
        [*KEY, 2, "31/03/2021", "2,250,000.00", "WMP-WARKS-2021-002"],
        [*KEY, 3, "31/08/2021", "2,250,000.00", "WMP-WARKS-2021-003"],
    ],
}


WALES = ["Dyfed-Powys and Gwent Collaboration", "Dyfed-Powys", "Gwent", "31/03/2024"]
# A second, fictional case whose records the demo does not hold: every row of its preview is an addition.
FICTIONAL = {
    "Forces": [
        ["Dyfed-Powys", "Dyfed-Powys Police", "Chief Constable of Dyfed-Powys Police", "PCC for Dyfed-Powys"],
        ["Gwent", "Gwent Police", "Chief Constable of Gwent Police", "PCC for Gwent"],
    ],
    "Alliances": [[WALES[0], "Dyfed-Powys; Gwent", "01/04/2016", None, "£42m", None, "Fictional example"]],
    "Notices": [[WALES[0], "Gwent", "30/09/2023", "31/03/2024", "Settled", None]],
    "Settlements": [[*WALES, "£2.4m", None, None, "yes", "30/09/2023", "From the general reserve", None]],
    "Adjustments": [[*WALES, "Offset", "Shared vehicles kept by Gwent", "£85k"]],
    "Schedules": [
        [*WALES, 1, "30/04/2024", "1,200,000.00", "General reserve", None],
        [*WALES, 2, "30/04/2025", "1,200,000.00", "General reserve", None],
    ],
    "Payments": [[*WALES, 1, "30/04/2024", "1,200,000.00", "DPP-GWENT-2024-001"]],
}


def upload(content: bytes, name: str = "agreements.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def sheets_of(rows_by_sheet: dict, name: str = "agreements.xlsx"):
    return reading.read_upload(upload(templates.workbook(rows_by_sheet), name), name)


def seed_workbook() -> bytes:
    return templates.workbook(SEED)


def copy(rows_by_sheet: dict) -> dict:
    return {name: [list(row) for row in rows] for name, rows in rows_by_sheet.items()}


__all__ = ["io"]
