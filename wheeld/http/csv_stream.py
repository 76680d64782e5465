"""Streaming CSV responses: a header row, then rows as they are read (no pagination)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from aiohttp import web
from marshmallow import Schema


async def stream_csv(
    request: web.Request,
    chunks: AsyncIterator[list[dict[str, Any]]],
    schema: Schema,
    columns: Sequence[str],
    filename: str,
) -> web.StreamResponse:
    """Write `chunks` (service dicts, serialized by `schema`) as CSV with a download filename."""
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
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.2f}" if round(value, 2) == value else repr(value)
    return value
