"""One converter of a cell to text (etl.read.cell_text) for every reader of cells.

Before: three (four, counting the form page's) converters disagreed. The rows reader wrote a
boolean TRUE, the workbook and the form 'True'; the rows reader turned NumPy's 5 into '=' (a
"formula") and failed on pandas' NaT, which the form's data editor sends for an empty date.
Now each reader calls the one converter; the one deliberate difference is `dates_only`: an
answer to a date question is a date (the workbook, the form), while a row keeps a time typed
with its date so the validator can say it is not a date.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from etl.read import cell_text
from intake import forms, workbook
from ui import return_form

CASES = [
    (None, ""),
    ("  Hertfordshire ", "Hertfordshire"),
    (3, "3"),
    (3.0, "3"),
    (2.5, "2.5"),
    (np.int64(5), "5"),
    (np.float64(2.5), "2.5"),
    (np.float64(4.0), "4"),
    (True, "TRUE"),
    (False, "FALSE"),
    (dt.date(2025, 3, 31), "2025-03-31"),
    (dt.datetime(2025, 3, 31), "2025-03-31"),
    (pd.Timestamp("2025-03-31"), "2025-03-31"),
    (dt.time(9, 30), "09:30:00"),
    (float("nan"), ""),
    (pd.NaT, ""),
    (pd.NA, ""),
]


@pytest.mark.parametrize(("value", "text"), CASES)
def test_a_cell_reads_as_a_csv_would_hold_it(value, text):
    assert cell_text(value) == text
    assert cell_text(value, dates_only=True) == text


@pytest.mark.parametrize("value", [dt.datetime(2025, 3, 31, 12, 30), pd.Timestamp("2025-03-31 12:30")])
def test_a_time_with_a_date_is_kept_in_rows_and_dropped_from_answers(value):
    assert cell_text(value) == "2025-03-31 12:30:00"
    assert cell_text(value, dates_only=True) == "2025-03-31"


@pytest.mark.parametrize(
    "reader", [workbook._cell_text, forms._text, return_form.cell_text], ids=["workbook", "form", "form page"]
)
@pytest.mark.parametrize(("value", "text"), [*CASES, (dt.datetime(2025, 3, 31, 12, 30), "2025-03-31")])
def test_every_reader_of_answers_reads_a_cell_as_the_one_converter_does(reader, value, text):
    assert reader(value) == text


def test_a_formula_object_stays_recognisable_as_a_formula():
    from openpyxl.worksheet.formula import ArrayFormula

    assert cell_text(ArrayFormula("A1:A2", "=SUM(B1:B2)")) == "=SUM(B1:B2)"
