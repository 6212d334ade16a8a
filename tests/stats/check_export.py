#!/usr/bin/python3
"""Reads a statistics export back with readers that share no code with the service.

    check_export.py EXPECTED.json REPORT.csv REPORT.xlsx

EXPECTED.json holds the figures computed by hand for the test's fixed data set:
{"group", "rows": [[key, name, received, accepted, finished, on_time, rate, mean, p90,
overdue, reassigned, rating_average, ratings, followups_open, followups_closed], ...],
"totals": [...], "by_class": {"zero_trip": n, ...}, "by_mode": {"proxy": n, ...}}, decimals
as text ("0.6667") and absent figures as null.

The CSV is parsed with Python's csv module (UTF-8 with a byte-order mark, CRLF, RFC 4180), the
workbook with openpyxl (Debian's python3-openpyxl). Exits 0 when both match, 1 otherwise.
"""

import csv
import io
import json
import math
import sys

import openpyxl

HEADERS = ["编码", "名称", "收件数", "受理数", "办结数", "按时办结数", "按时办结率",
           "平均办结工作日", "P90办结工作日", "超期数", "改派数", "平均评分", "评价数",
           "回访未结", "回访已结"]
TEXT_COLUMNS = {0, 1}
DECIMAL_COLUMNS = {6, 7, 8, 11}
RATE_COLUMN = 6
CLASS_LABELS = [("zero_trip", "零跑腿"), ("one_trip", "只跑一次"), ("we_run", "你不用跑我来跑"),
                ("bundle", "一件事")]
MODE_LABELS = [("proxy", "代办"), ("assisted", "帮办"), ("led", "领办")]

failures = []


def fail(message):
    failures.append(message)


def expected_lines(expected):
    return expected["rows"] + [expected["totals"]]


def as_csv_text(value):
    if value is None:
        return ""
    return str(value)


def check_csv(path, expected):
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(b"\xef\xbb\xbf"):
        fail(f"{path}: no UTF-8 byte-order mark")
        return
    text = data[3:].decode("utf-8")
    if not text.endswith("\r\n"):
        fail(f"{path}: the last line does not end with CRLF")
    if text.count("\n") != text.count("\r\n"):
        fail(f"{path}: a line ends without CRLF")
    records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    if not records or records[0] != HEADERS:
        fail(f"{path}: headers {records[0] if records else None} != {HEADERS}")
        return
    want = [[as_csv_text(v) for v in line] for line in expected_lines(expected)]
    got = records[1:]
    if len(got) != len(want):
        fail(f"{path}: {len(got)} lines after the header, expected {len(want)}")
    for number, (g, w) in enumerate(zip(got, want), start=2):
        if g != w:
            fail(f"{path}: line {number}: {g} != {w}")
    if got and (got[-1][0] != "" or got[-1][1] != "合计"):
        fail(f"{path}: the last line is not the 合计 line: {got[-1]}")


def same_number(cell, want):
    if isinstance(cell, bool) or not isinstance(cell, (int, float)):
        return False
    return math.isclose(float(cell), float(want), rel_tol=0, abs_tol=1e-9)


def check_table(sheet, expected):
    rows = list(sheet.iter_rows())
    if not rows:
        fail("sheet 统计 is empty")
        return
    header = [c.value for c in rows[0]]
    if header != HEADERS:
        fail(f"sheet 统计: headers {header} != {HEADERS}")
    for c in rows[0]:
        if not c.font or not c.font.b:
            fail(f"sheet 统计: header {c.coordinate} is not bold")
    want = expected_lines(expected)
    data = rows[1:]
    if len(data) != len(want):
        fail(f"sheet 统计: {len(data)} rows after the header, expected {len(want)}")
    for line, (cells, values) in enumerate(zip(data, want), start=2):
        if len(cells) != len(HEADERS):
            fail(f"sheet 统计 row {line}: {len(cells)} cells")
            continue
        for col, (cell, value) in enumerate(zip(cells, values)):
            where = f"sheet 统计 {cell.coordinate}"
            if col in TEXT_COLUMNS:
                got = cell.value if cell.value is not None else ""
                if got != value:
                    fail(f"{where}: {got!r} != {value!r}")
            elif value is None:
                if cell.value is not None:
                    fail(f"{where}: {cell.value!r}, expected an empty cell")
            elif not same_number(cell.value, value):
                fail(f"{where}: {cell.value!r} is not the number {value}")
            if col == RATE_COLUMN and value is not None and "%" not in cell.number_format:
                fail(f"{where}: rate formatted as {cell.number_format!r}, not as a percentage")
            if col in DECIMAL_COLUMNS - {RATE_COLUMN} and value is not None \
                    and cell.number_format != "0.00":
                fail(f"{where}: formatted as {cell.number_format!r}, not 0.00")


def check_classes(sheet, expected):
    rows = [tuple(c.value for c in r) for r in sheet.iter_rows()]
    want = [("维度", "名称", "件数")]
    want += [("事项类别", label, expected["by_class"][word]) for word, label in CLASS_LABELS]
    want += [("办理方式", label, expected["by_mode"][word]) for word, label in MODE_LABELS]
    if len(rows) != len(want):
        fail(f"sheet 分类: {len(rows)} rows, expected {len(want)}")
    for got, w in zip(rows, want):
        if got[:2] != w[:2] or (isinstance(w[2], int) and not same_number(got[2], w[2])) \
                or (isinstance(w[2], str) and got[2] != w[2]):
            fail(f"sheet 分类: {got} != {w}")


def check_xlsx(path, expected):
    workbook = openpyxl.load_workbook(path)
    if workbook.sheetnames != ["统计", "分类"]:
        fail(f"{path}: sheets {workbook.sheetnames} != ['统计', '分类']")
        return
    check_table(workbook["统计"], expected)
    check_classes(workbook["分类"], expected)


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        expected = json.load(f)
    check_csv(argv[2], expected)
    check_xlsx(argv[3], expected)
    for message in failures:
        print(f"check_export ({expected['group']}): {message}", file=sys.stderr)
    if not failures:
        print(f"check_export ({expected['group']}): CSV and XLSX match "
              f"({len(expected['rows'])} rows and the totals)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
