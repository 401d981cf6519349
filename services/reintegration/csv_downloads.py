"""CSV downloads: whether a request asks for CSV, and the response carrying one."""

from starlette.responses import Response

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def csv_response(body: bytes, *, filename: str) -> Response:
    """A CSV download."""
    return Response(body, media_type=CSV_MEDIA_TYPE,
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


def wants_csv(accept: str | None) -> bool:
    """Whether an ``Accept`` header asks for CSV rather than JSON."""
    return accept is not None and "text/csv" in accept.lower()
