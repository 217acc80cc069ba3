"""Safe Excel in and out, for every import and export of the project.

Reading (python-calamine) happens only after the upload has passed cheap checks that
need no parsing: its size, that it is a zip with the parts of a workbook, that no part
inflates absurdly (zip bombs), that no XML part declares a DOCTYPE or ENTITY (XML bombs)
and that the sheet's declared dimension is not above the row limit.

Cells are read as stored: text keeps its leading and trailing whitespace (a leading tab
included); only the header row is trimmed. A formula cell without a saved value (files
written by scripts, never opened in Excel) is an error naming its row and column, never
an empty cell.

Writing (XlsxWriter) stores every string as a string cell, so text starting with =, +,
-, @ stays text and never becomes a formula (ABUSE-CASES 25).
"""

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _

from core.errors import DomainError, ErrorCode

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200


def zip_inflates_too_far(infos, *, max_total: int, max_ratio: int, ratio_from: int) -> bool:
    """True when a zip's directory declares more than `max_total` bytes in all, or an
    entry of at least `ratio_from` bytes compressed more than `max_ratio` times: the
    zip-bomb check, made from the central directory alone, before anything is inflated.
    Shared by Excel imports and OFD attachments."""
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > max_total or (info.file_size > ratio_from and ratio > max_ratio):
            return True
    return False
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"')
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Sheet:
    headers: list[str]
    rows: list[tuple[int, dict]]  # (row number as Excel shows it, {header: value})


def _bad(message) -> DomainError:
    return DomainError(ErrorCode.BAD_FILE, message, field="file")


def check_workbook(upload, *, max_bytes: int | None = None, max_rows: int | None = None) -> bytes:
    """Refuse what must not be parsed; return the file's bytes."""
    max_bytes = max_bytes or settings.XUESHI_IMPORT_MAX_BYTES
    max_rows = max_rows or settings.XUESHI_IMPORT_MAX_ROWS
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise DomainError(ErrorCode.TOO_LARGE, _("The file is larger than %(mb)s MB.")
                          % {"mb": max_bytes // (1024 * 1024) or 1}, field="file")
    if size == 0:
        raise _bad(_("The file is empty."))
    data = upload.read(max_bytes + 1) if hasattr(upload, "read") else bytes(upload)
    if len(data) > max_bytes:
        raise DomainError(ErrorCode.TOO_LARGE, _("The file is larger than %(mb)s MB.")
                          % {"mb": max_bytes // (1024 * 1024) or 1}, field="file")
    if not data:
        raise _bad(_("The file is empty."))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _bad(_("This is not an Excel (.xlsx) file."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or not any(
                    n.startswith("xl/worksheets/") for n in names):
                raise _bad(_("This is not an Excel (.xlsx) file."))
            if zip_inflates_too_far(infos, max_total=MAX_UNCOMPRESSED, max_ratio=MAX_RATIO,
                                    ratio_from=1024 * 1024):
                raise _bad(_("The file expands to an implausible size and was refused."))
            for info in infos:
                if not info.filename.endswith((".xml", ".rels")):
                    continue
                with archive.open(info) as part:
                    head = part.read(4096)
                if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                    raise _bad(_("The file contains XML declarations that are not allowed."))
                if info.filename.startswith("xl/worksheets/"):
                    match = _DIMENSION.search(head)
                    if match and int(match.group(1)) > max_rows + 1:
                        raise DomainError(ErrorCode.TOO_LARGE,
                                          _("The file has more than %(n)d rows.") % {"n": max_rows},
                                          field="file")
    except zipfile.BadZipFile:
        raise _bad(_("This is not an Excel (.xlsx) file.")) from None
    return data


def _cell(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?v>)", re.S)


def _first_sheet_part(archive: zipfile.ZipFile) -> str | None:
    """The zip path of the workbook's first sheet (the one read_sheet reads)."""
    try:
        book = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    sheet = re.search(rb"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"", book)
    if not sheet:
        return None
    for rel in re.finditer(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        tag = rel.group(0)
        if re.search(rb'\bId="' + re.escape(sheet.group(1)) + rb'"', tag):
            target = re.search(rb'\bTarget="([^"]+)"', tag)
            if target:
                path = target.group(1).decode()
                return path.lstrip("/") if path.startswith("/") else f"xl/{path}"
    return None


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def formulas_without_value(data: bytes) -> list[tuple[int, int]]:
    """(row, 0-based column) of every formula cell of the first sheet that carries no
    saved value: python-calamine would read those as empty."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        part = _first_sheet_part(archive)
        if part is None or part not in archive.namelist():
            return []
        with archive.open(part) as stream:
            # Most files have no formula at all: look before parsing.
            if not any(b"<f>" in chunk or b"<f " in chunk or b":f>" in chunk or b":f " in chunk
                       for chunk in iter(lambda: stream.read(1024 * 1024), b"")):
                return []
        found = []
        # A regular scan rather than an XML parser: the part has passed the DOCTYPE and
        # ENTITY check, and only cells matter here.
        for match in _CELL.finditer(archive.read(part)):
            attributes, body = match.group(1), match.group(2) or b""
            if not _FORMULA.search(body):
                continue
            value = _VALUE.search(body)
            cached = value is not None and (value.group(1) or b"").strip() != b""
            # t="str" with an empty <v></v> is a formula whose saved result is "".
            if cached or (value is not None and re.search(rb'\bt="str"', attributes)):
                continue
            ref = re.search(rb'\br="([A-Z]+)(\d+)"', attributes)
            if ref:
                found.append((int(ref.group(2)), _column_index(ref.group(1).decode())))
        return found


def read_sheet(upload, *, required: list[str], optional: list[str] = (),
               max_bytes: int | None = None, max_rows: int | None = None) -> Sheet:
    """The first sheet as header → value dicts. Headers are matched exactly after
    trimming; missing required headers and unknown headers are one clear error."""
    from python_calamine import CalamineWorkbook

    max_rows = max_rows or settings.XUESHI_IMPORT_MAX_ROWS
    data = check_workbook(upload, max_bytes=max_bytes, max_rows=max_rows)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
        if sheet.height > max_rows + 1:
            raise DomainError(ErrorCode.TOO_LARGE,
                              _("The file has more than %(n)d rows.") % {"n": max_rows}, field="file")
        table = sheet.to_python(skip_empty_area=False)
    except DomainError:
        raise
    except Exception:  # calamine raises its own error types for broken workbooks
        raise _bad(_("The Excel file could not be read.")) from None
    if not table:
        raise _bad(_("The file has no header row."))
    headers = [str(h).strip() for h in table[0]]
    while headers and not headers[-1]:
        headers.pop()
    missing = [h for h in required if h not in headers]
    unknown = [h for h in headers if h and h not in required and h not in optional]
    if missing or unknown or len(set(headers)) != len(headers):
        parts = []
        if missing:
            parts.append(_("missing columns: %(c)s") % {"c": "、".join(missing)})
        if unknown:
            parts.append(_("unknown columns: %(c)s") % {"c": "、".join(unknown)})
        if len(set(headers)) != len(headers):
            parts.append(_("a column appears twice"))
        raise DomainError(ErrorCode.IMPORT_ERRORS,
                          _("The columns do not match the template (%(p)s).") % {"p": "; ".join(parts)},
                          field="file")
    try:
        unsaved = formulas_without_value(data)
    except (zipfile.BadZipFile, KeyError):
        raise _bad(_("The Excel file could not be read.")) from None
    if unsaved:
        cells = "; ".join(_("row %(row)d, column %(column)s") % {
            "row": row, "column": headers[col] if col < len(headers) and headers[col] else _column_letters(col)}
            for row, col in unsaved[:5])
        raise DomainError(ErrorCode.IMPORT_ERRORS, _(
            "Formulas without a saved value (%(cells)s): open the file in Excel and save it, "
            "or paste the values instead of the formulas.") % {"cells": cells}, field="file")
    rows = []
    for index, raw in enumerate(table[1:], start=2):
        values = {h: _cell(raw[i]) if i < len(raw) else "" for i, h in enumerate(headers)}
        if all(_blank(v) for v in values.values()):
            continue
        rows.append((index, values))
    if len(rows) > max_rows:
        raise DomainError(ErrorCode.TOO_LARGE, _("The file has more than %(n)d rows.")
                          % {"n": max_rows}, field="file")
    return Sheet(headers=headers, rows=rows)


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def parse_date(value) -> date | None:
    """Excel date cells, 2024-03-01, 2024/3/1, 2024.3.1 → date; '' → None."""
    if value in ("", None):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if not match:
        raise ValueError(text)
    return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


def _write_book(target, headers: list[str], rows, *, sheet_name: str, constant_memory: bool) -> None:
    import xlsxwriter

    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    # constant_memory: each row goes to disk as soon as the next one starts, so memory
    # does not grow with the rows (exports); in_memory: small files built as bytes.
    options.update({"constant_memory": True} if constant_memory else {"in_memory": True})
    book = xlsxwriter.Workbook(target, options)
    sheet = book.add_worksheet(sheet_name[:31])
    bold = book.add_format({"bold": True})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for col, header in enumerate(headers):
        sheet.write_string(0, col, str(header), bold)
        sheet.set_column(col, col, max(10, min(40, len(str(header)) * 2 + 4)))
    yes, no = _("Yes"), _("No")
    write_string, write_number = sheet.write_string, sheet.write_number
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                write_string(r, col, value)
            elif isinstance(value, bool):
                write_string(r, col, yes if value else no)
            elif isinstance(value, (int, float)):
                write_number(r, col, value)
            elif isinstance(value, datetime):
                write_string(r, col, value.strftime("%Y-%m-%d %H:%M"))
            elif isinstance(value, date):
                sheet.write_datetime(r, col, datetime(value.year, value.month, value.day),
                                     date_format)
            else:
                write_string(r, col, str(value))
    book.close()


def write_xlsx(headers: list[str], rows, *, sheet_name: str = "Sheet1") -> bytes:
    """A workbook with one sheet, as bytes (error and result files). Strings are always
    written as text cells."""
    buffer = io.BytesIO()
    _write_book(buffer, headers, rows, sheet_name=sheet_name, constant_memory=False)
    return buffer.getvalue()


def xlsx_response(filename: str, headers: list[str], rows, *, sheet_name: str = "Sheet1") -> HttpResponse:
    """A small workbook (templates, short lists) as one response."""
    return _attachment(HttpResponse(write_xlsx(headers, rows, sheet_name=sheet_name),
                                    content_type=XLSX_TYPE), filename)


def xlsx_export_response(filename: str, headers: list[str], rows, *,
                         sheet_name: str = "Sheet1") -> HttpResponse:
    """An export of any size: `rows` (any iterable, read once) written in constant memory
    to a temporary file, which is streamed to the client and removed when the response
    closes. Memory stays flat however many rows there are."""
    import tempfile

    from django.http import FileResponse

    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by FileResponse
    try:
        _write_book(handle, headers, rows, sheet_name=sheet_name, constant_memory=True)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return _attachment(FileResponse(handle, content_type=XLSX_TYPE), filename)


def _attachment(response, filename: str):
    from django.utils.encoding import escape_uri_path

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def xlsx_stream_response(filename: str, headers: list[str], rows, *, sheet_name: str = "Sheet1"):
    """Like `xlsx_response` for long exports: XlsxWriter's constant-memory mode writes the
    rows (any iterable, e.g. a queryset's `.iterator()`) to a temporary file row by row,
    and the finished file is streamed back in chunks, so memory stays flat however many
    rows there are. Strings are text cells, never formulas, as in `write_xlsx`."""
    import tempfile

    import xlsxwriter
    from django.http import FileResponse

    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the FileResponse
    book = xlsxwriter.Workbook(handle, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    sheet = book.add_worksheet(sheet_name[:31])
    bold = book.add_format({"bold": True})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for col, header in enumerate(headers):
        sheet.set_column(col, col, max(10, min(40, len(str(header)) * 2 + 4)))
        sheet.write_string(0, col, str(header), bold)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_string(r, col, _("Yes") if value else _("No"))
            elif isinstance(value, (int, float)):
                sheet.write_number(r, col, value)
            elif isinstance(value, datetime):
                sheet.write_string(r, col, value.strftime("%Y-%m-%d %H:%M"))
            elif isinstance(value, date):
                sheet.write_datetime(r, col, datetime(value.year, value.month, value.day), date_format)
            else:
                sheet.write_string(r, col, str(value))
    book.close()
    handle.seek(0)
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    return response
