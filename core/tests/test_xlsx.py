import io
from datetime import date

import openpyxl
import pytest
from django.test import override_settings

from core.errors import DomainError, ErrorCode
from core.tests.xlsxfiles import upload, workbook_bytes, xml_bomb, zip_bomb
from core.xlsx import parse_date, read_sheet, write_xlsx


def test_reads_rows_with_excel_row_numbers():
    data = workbook_bytes(["姓名", "员工编号"], [["张三", "N1"], [None, None], ["李四", 2.0]])
    sheet = read_sheet(upload(data), required=["姓名", "员工编号"])
    assert sheet.rows == [(2, {"姓名": "张三", "员工编号": "N1"}), (4, {"姓名": "李四", "员工编号": 2})]


def test_missing_and_unknown_columns():
    data = workbook_bytes(["姓名", "工号"], [["张三", "N1"]])
    with pytest.raises(DomainError) as exc:
        read_sheet(upload(data), required=["姓名", "员工编号"])
    assert exc.value.code == ErrorCode.IMPORT_ERRORS
    assert "员工编号" in str(exc.value.message) and "工号" in str(exc.value.message)


@pytest.mark.parametrize("data", [b"%PDF-1.4 not excel", b"", b"PK\x03\x04garbage",
                                  b"MZ\x90\x00 executable"])
def test_not_excel(data):
    with pytest.raises(DomainError) as exc:
        read_sheet(upload(data), required=["姓名"])
    assert exc.value.code == ErrorCode.BAD_FILE


def test_zip_bomb_refused_before_parsing():
    with pytest.raises(DomainError) as exc:
        read_sheet(upload(zip_bomb()), required=["姓名"])
    assert exc.value.code == ErrorCode.BAD_FILE


def test_xml_bomb_refused():
    with pytest.raises(DomainError) as exc:
        read_sheet(upload(xml_bomb()), required=["姓名"])
    assert exc.value.code == ErrorCode.BAD_FILE


@override_settings(XUESHI_IMPORT_MAX_BYTES=2048)
def test_file_too_large():
    data = workbook_bytes(["姓名"], [["x" * 50] for _ in range(200)])
    with pytest.raises(DomainError) as exc:
        read_sheet(upload(data), required=["姓名"])
    assert exc.value.code == ErrorCode.TOO_LARGE and exc.value.status == 413


@override_settings(XUESHI_IMPORT_MAX_ROWS=10)
def test_too_many_rows():
    data = workbook_bytes(["姓名"], [[f"人{i}"] for i in range(11)])
    with pytest.raises(DomainError) as exc:
        read_sheet(upload(data), required=["姓名"])
    assert exc.value.code == ErrorCode.TOO_LARGE


@pytest.mark.parametrize("value, expected", [("2024-03-01", date(2024, 3, 1)), ("2024/3/1", date(2024, 3, 1)),
                                             ("2024年3月1日", date(2024, 3, 1)), ("", None)])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["2024-13-01", "yesterday", "1/3/2024"])
def test_parse_date_refuses(value):
    with pytest.raises(ValueError):
        parse_date(value)


def test_formula_like_text_stays_text():
    dangerous = ["=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)", "\tTab", "\rCR"]
    data = write_xlsx(["text"], [[v] for v in dangerous])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [sheet.cell(row=i + 2, column=1) for i in range(len(dangerous))]
    assert {c.data_type for c in cells} == {"s"}
    # openpyxl leaves OOXML's _x000D_ escape undecoded; calamine reads it as Excel does.
    from python_calamine import CalamineWorkbook

    values = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert [row[0] for row in values[1:]] == dangerous


# --- issue 9, low items: cells as stored, formulas without a saved value --------------------

def test_text_cells_keep_leading_whitespace_exactly():
    data = workbook_bytes(["姓名", "备注"], [["\t张三", "\t=1+1"], ["  李四", "x  "], ["   ", "\t"]])
    sheet = read_sheet(upload(data), required=["姓名"], optional=["备注"])
    # The row of blanks is skipped like an empty row; everything else is kept as stored.
    assert sheet.rows == [(2, {"姓名": "\t张三", "备注": "\t=1+1"}), (3, {"姓名": "  李四", "备注": "x  "})]


def test_formula_without_a_saved_value_is_an_error_naming_row_and_column():
    data = workbook_bytes(["姓名", "学时"], [["张三", 8], ["李四", "=SUM(B2:B2)"], ["王五", "=1+1"]])
    with pytest.raises(DomainError) as exc:
        read_sheet(upload(data), required=["姓名", "学时"])
    message = str(exc.value.message)
    assert exc.value.code == ErrorCode.IMPORT_ERRORS and exc.value.field == "file"
    assert "第 3 行「学时」列; 第 4 行「学时」列" in message and "第 2 行" not in message


def test_formula_with_a_saved_value_is_read_as_that_value():
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "学时"])
    sheet.write_string(1, 0, "张三")
    sheet.write_formula(1, 1, "=8+8", None, 16)
    book.close()
    assert read_sheet(upload(buffer.getvalue()), required=["姓名", "学时"]).rows == [(2, {"姓名": "张三", "学时": 16})]
