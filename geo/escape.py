"""Making text from data inert wherever it is shown or saved: HTML, Markdown, spreadsheet cells and file names.

Names of wards, localities, PCNs, practices and plans come from files that anyone may have written
(a plan emailed by a colleague, a bundle downloaded from elsewhere). This module is the one place
that decides how such text is escaped; every map, page and export uses it, so no name can run as
script in a browser or as a formula in a spreadsheet.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

_JS_TEMPLATE_CHARS = {"`": "&#96;", "$": "&#36;", "{": "&#123;", "}": "&#125;", "\\": "&#92;"}
"""Characters that mean something inside a JavaScript template literal, written as HTML character references."""

_MARKDOWN_CHARS = "\\`*_[]<>#|~$"
"""Characters Markdown (and Streamlit's LaTeX extension) would read as formatting, links, images or HTML."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
"""First characters that make a spreadsheet (Excel, LibreOffice, Google Sheets) read a cell as a formula."""

_PLAIN_NUMBER = re.compile(r"[+-]?(\d[\d,]*)?(\.\d+)?%?")


def html_text(value: object) -> str:
    """Text for HTML: ``& < > " '`` and the JavaScript template characters (`` ` $ { } \\``) as character references.

    The result is plain text in an HTML element or attribute, and stays inert even if a library
    later places it inside a JavaScript template literal.
    """
    text = html.escape(str(value), quote=True)
    return "".join(_JS_TEMPLATE_CHARS.get(ch, ch) for ch in text)


def markdown_text(value: object) -> str:
    """Text shown through Markdown (Streamlit's st.markdown, captions, messages) without any of it read as formatting."""
    text = str(value)
    for char in _MARKDOWN_CHARS:
        text = text.replace(char, "\\" + char)
    return text


def is_plain_number(text: str) -> bool:
    """True for a number as the exports write it ('3,849', '-6.2%', '+0.031'): a spreadsheet reads it as a value."""
    return bool(text) and any(ch.isdigit() for ch in text) and _PLAIN_NUMBER.fullmatch(text) is not None


def csv_cell(value: object) -> object:
    """One CSV cell made safe for spreadsheets: text that would run as a formula gets a leading apostrophe.

    Numbers (and text that is a plain number, such as '-6.2%') are left as they are; so is any other text.
    """
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS) and not is_plain_number(value):
        return "'" + value
    return value


def csv_rows(rows: Iterable[Sequence[object]]) -> list[list[object]]:
    """Every cell of a table made safe by ``csv_cell`` (the one rule for every CSV localign writes)."""
    return [[csv_cell(cell) for cell in row] for row in rows]


def uncsv_cell(text: str) -> str:
    """Undo ``csv_cell``: a cell written as ``'=...`` reads back as ``=...`` (for importing localign's own CSVs)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def file_name_part(text: object, limit: int = 60, fallback: str = "plan") -> str:
    """A piece of a download's file name: lower-case letters, digits and hyphens only ('Option 3 (edited)' -> 'option-3-edited')."""
    part = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")[:limit].strip("-")
    return part or fallback


__all__ = ["FORMULA_STARTS", "csv_cell", "csv_rows", "file_name_part", "html_text", "is_plain_number",
           "markdown_text", "uncsv_cell"]
