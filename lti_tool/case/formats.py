"""Which format a framework file is in, and reading any of them into a CASE package dict.

`lti-tool case import` and the admin's upload take a CASE JSON package, an OpenSALT
workbook or CSV, or an ASN export in RDF/JSON or RDF/XML; `detect_format` tells them apart
from the file name and the first bytes, content first (a .txt holding JSON is JSON).
"""

from __future__ import annotations

import json
import re
from pathlib import PurePath
from typing import Any, Literal

from lti_tool.case.asn import parse_asn_rdfjson, parse_asn_rdfxml
from lti_tool.case.opensalt import parse_csv, parse_xlsx
from lti_tool.case.problems import CaseFormatError

Format = Literal["json", "xlsx", "csv", "asn-rdfjson", "asn-rdfxml"]
FORMATS: tuple[Format, ...] = ("json", "xlsx", "csv", "asn-rdfjson", "asn-rdfxml")

# How many leading bytes detect_format needs to see.
SNIFF_BYTES = 4096
MAX_JSON_BYTES = 64 * 1024 * 1024

_BY_EXTENSION: dict[str, Format] = {
    ".json": "json",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".csv": "csv",
    ".tsv": "csv",
    ".rdf": "asn-rdfxml",
    ".xml": "asn-rdfxml",
}
_RDF_NAMESPACE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFJSON_START = re.compile(r'^\{\s*"(?:https?|urn|_):')


def _head_text(first_bytes: bytes) -> str:
    """The first bytes as text, whichever Unicode encoding they are in."""
    head = first_bytes[:SNIFF_BYTES]
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="ignore")
    if head[:2] in (b"<\x00", b"{\x00"):
        return head.decode("utf-16-le", errors="ignore")
    if head[:2] in (b"\x00<", b"\x00{"):
        return head.decode("utf-16-be", errors="ignore")
    return head.decode("utf-8", errors="ignore")


def detect_format(filename: str, first_bytes: bytes) -> Format:
    """The format of a framework file: json, xlsx, csv, asn-rdfjson or asn-rdfxml.

    Raises CaseFormatError, naming what the file seems to be, when it is none of them.
    """
    extension = PurePath(filename or "").suffix.lower()
    if first_bytes.startswith(b"PK\x03\x04"):
        return "xlsx"
    if first_bytes.startswith(b"\xd0\xcf\x11\xe0"):
        raise CaseFormatError(
            "this is an old binary Excel (.xls) file: save it as .xlsx and import that", filename
        )
    text = _head_text(first_bytes).lstrip()
    if text.startswith("<"):
        if _RDF_NAMESPACE in text or "rdf:RDF" in text or "purl.org/ASN" in text:
            return "asn-rdfxml"
        if extension in (".rdf", ".xml"):
            return "asn-rdfxml"
        raise CaseFormatError(
            "this is XML but not RDF: only ASN exports in RDF/XML are read", filename or "file"
        )
    if text.startswith(("{", "[")):
        if _RDFJSON_START.match(text) and '"CFDocument"' not in text:
            return "asn-rdfjson"
        return "json"
    if extension in _BY_EXTENSION:
        return _BY_EXTENSION[extension]
    first_line = text.split("\n", 1)[0]
    if any(sep in first_line for sep in (",", ";", "\t")):
        return "csv"
    raise CaseFormatError(
        "not a format the tool reads: a CASE JSON package, an OpenSALT spreadsheet "
        "(.xlsx or .csv) or an ASN export (RDF/JSON or RDF/XML)",
        filename or "file",
    )


def parse_json_package(data: bytes) -> dict[str, Any]:
    """A CASE JSON file decoded to a dict, with the size, nesting and shape checked."""
    if len(data) > MAX_JSON_BYTES:
        raise CaseFormatError(f"the file is {len(data):,} bytes; the limit is {MAX_JSON_BYTES:,}")
    try:
        package = json.loads(data)
    except RecursionError:
        raise CaseFormatError("the JSON is nested too deeply", "$") from None
    except json.JSONDecodeError as exc:
        raise CaseFormatError(
            f"not valid JSON ({exc.msg})", f"line {exc.lineno}, column {exc.colno}"
        ) from None
    except ValueError:
        raise CaseFormatError("not valid JSON (not UTF-8 text)", "file") from None
    if not isinstance(package, dict):
        raise CaseFormatError("a CASE package is a JSON object", "$")
    return package


def read_framework(
    filename: str,
    data: bytes,
    *,
    uri_base: str | None = None,
    changed_at: str | None = None,
) -> tuple[Format, dict[str, Any]]:
    """Detect the format of `data` and read it as a CASE package dict: (format, package).

    `uri_base` is the tool's CASE base URL for the URIs minted for spreadsheet and ASN
    objects that have none; `changed_at` the lastChangeDateTime for spreadsheets that give
    none. A CASE JSON package is returned as decoded, for the JSON importer to validate.
    """
    fmt = detect_format(filename, data[:SNIFF_BYTES])
    if fmt == "xlsx":
        return fmt, parse_xlsx(data, uri_base=uri_base, changed_at=changed_at)
    if fmt == "csv":
        return fmt, parse_csv(data, filename=filename, uri_base=uri_base, changed_at=changed_at)
    if fmt == "asn-rdfjson":
        return fmt, parse_asn_rdfjson(data, uri_base=uri_base)
    if fmt == "asn-rdfxml":
        return fmt, parse_asn_rdfxml(data, uri_base=uri_base)
    return fmt, parse_json_package(data)
