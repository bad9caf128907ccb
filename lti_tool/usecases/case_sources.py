"""Read a framework file of any supported format from disk, size-limited, as a CASE package.

The CLI's `case import PATH` and the admin's upload call this, then hand the package to
the CASE importer. Objects a spreadsheet or ASN export gives no URI get one under the
tool's own CASE API, so they dereference once imported.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lti_tool.case.formats import Format, read_framework
from lti_tool.case.problems import CaseFormatError


def case_uri_base(base_url: str) -> str:
    """Where the tool's CASE 1.1 API lives, the prefix of the URIs it mints."""
    return f"{base_url.rstrip('/')}/ims/case/v1p1"


def read_framework_bytes(
    filename: str, data: bytes, *, base_url: str | None = None
) -> tuple[Format, dict[str, Any]]:
    """An uploaded framework (name and bytes) as (format, CASE package dict)."""
    return read_framework(filename, data, uri_base=case_uri_base(base_url) if base_url else None)


def read_framework_file(
    path: str | os.PathLike[str], *, max_bytes: int, base_url: str | None = None
) -> tuple[Format, dict[str, Any]]:
    """A framework file on disk as (format, CASE package dict); refuses files over max_bytes.

    Raises CaseFormatError for a missing, unreadable, too large or malformed file.
    """
    file = Path(path)
    if file.is_dir():
        raise CaseFormatError("this is a folder, not a file", str(path))
    try:
        size = file.stat().st_size
        if size > max_bytes:
            raise CaseFormatError(
                f"the file is {size:,} bytes; the import limit is {max_bytes:,} "
                "(LTI_TOOL_MAX_UPLOAD_BYTES)",
                file.name,
            )
        with file.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise CaseFormatError("no such file", str(path)) from None
    except OSError as exc:
        raise CaseFormatError(f"cannot read the file ({exc.strerror})", str(path)) from None
    if len(data) > max_bytes:
        raise CaseFormatError(f"the file grew past the {max_bytes:,}-byte limit", file.name)
    return read_framework_bytes(file.name, data, base_url=base_url)


def load_upload(filename: str, data: bytes, *, max_bytes: int, base_url: str | None) -> Any:
    """What the CASE importer takes, from a file of any supported format: a CASE JSON
    package as decoded (the importer validates it), anything else converted. Problems are
    raised as the importer's own refusal, so callers handle one error."""
    from lti_tool.case.formats import SNIFF_BYTES, detect_format
    from lti_tool.usecases.case_import import ImportRefused, read_package_file

    try:
        if len(data) > max_bytes:
            raise CaseFormatError(
                f"the file is {len(data):,} bytes; the import limit is {max_bytes:,} "
                "(LTI_TOOL_MAX_UPLOAD_BYTES)",
                filename or "file",
            )
        if detect_format(filename, data[:SNIFF_BYTES]) == "json":
            return read_package_file(data, max_bytes)
        return read_framework_bytes(filename, data, base_url=base_url)[1]
    except CaseFormatError as exc:
        raise ImportRefused(exc.problems) from None


def load_path(path: str | os.PathLike[str], *, max_bytes: int, base_url: str | None) -> Any:
    """`load_upload` for a file on disk (refused before reading when it is too large)."""
    from lti_tool.usecases.case_import import ImportRefused

    file = Path(path)
    try:
        if file.is_dir():
            raise CaseFormatError("this is a folder, not a file", str(path))
        size = file.stat().st_size
        if size > max_bytes:
            raise CaseFormatError(
                f"the file is {size:,} bytes; the import limit is {max_bytes:,} "
                "(LTI_TOOL_MAX_UPLOAD_BYTES)",
                file.name,
            )
        data = file.read_bytes()
    except FileNotFoundError:
        raise ImportRefused([CaseFormatError("no such file", str(path)).problems[0]]) from None
    except CaseFormatError as exc:
        raise ImportRefused(exc.problems) from None
    except OSError as exc:
        message = f"cannot read the file ({exc.strerror})"
        raise ImportRefused(CaseFormatError(message, str(path)).problems) from None
    return load_upload(file.name, data, max_bytes=max_bytes, base_url=base_url)
