"""Files the pages hand out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import Response, stream_with_context


def csv_attachment(lines: Iterable[str], filename: str) -> Response:
    """CSV lines as a download for spreadsheets: UTF-8 with a BOM, never kept in a cache."""

    def body() -> Iterator[str]:
        yield "\ufeff"  # Excel reads UTF-8 (Kazakh, Russian) only with it
        yield from lines

    return Response(stream_with_context(body()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
