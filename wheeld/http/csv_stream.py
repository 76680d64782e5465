"""Streaming CSV responses: a header row, then rows as they are read (no pagination); the one CSV writer.

Cells are written for spreadsheets: an empty cell for a null, amounts with two decimals, timestamps as
`YYYY-MM-DD HH:MM:SS` (UTC, to the second: Excel and LibreOffice read that as a date and time, not as
text), and with `?bom=1` a UTF-8 byte-order mark first, which Excel needs to read non-ASCII text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from aiohttp import web
from marshmallow import Schema

from wheeld.http.keys import QUERY

BOM = "\ufeff"
_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(?:Z|[+-]00:?00)$")


async def stream_csv(
    request: web.Request,
    chunks: AsyncIterator[list[dict[str, Any]]],
    schema: Schema,
    columns: Sequence[str],
    filename: str,
) -> web.StreamResponse:
    """Write `chunks` (service dicts, serialized by `schema`) as CSV with a download filename (`?bom=1`: a BOM)."""
    # Read the first chunk before the status line goes out: an unknown id or a bad sort key raised by
    # the service must still become an error envelope, not a 200 stream cut off half-way.
    rows = aiter(chunks)
    first = await anext(rows, None)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        }
    )
    await response.prepare(request)
    buffer = io.StringIO()
    if request.get(QUERY, {}).get("bom"):
        buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    chunk = first
    while chunk is not None:
        for item in schema.dump(chunk, many=True):
            writer.writerow(csv_cells(item, columns))
        await response.write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()
        chunk = await anext(rows, None)
    if buffer.tell():  # the header alone, when the selection is empty
        await response.write(buffer.getvalue().encode("utf-8"))
    await response.write_eof()
    return response


def csv_cells(item: Mapping[str, Any], columns: Sequence[str]) -> list[Any]:
    """One serialized item as CSV cells in `columns` order (the CLI's direct mode writes the same file)."""
    return [_cell(item.get(column)) for column in columns]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        stamp = _TIMESTAMP.match(value)
        return f"{stamp[1]} {stamp[2]}" if stamp else value
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.2f}" if round(value, 2) == value else repr(value)
    return value
