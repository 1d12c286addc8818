"""A file sent with a form (multipart), and a stored file sent back as a download.

Routes that take files list their paths with the largest body they accept in
``web.csrf.BodyLimits``; everything else stays limited to a form's size.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response


async def read_file(request: Request, limit: int, field: str = "file") -> tuple[str, bytes]:
    """The file's name as the browser sent it and at most ``limit`` + 1 of its bytes (one
    more than allowed, so the service can tell a file that is too large); empty when the
    form holds no file. Starlette spools the file part to disk past 1 MB."""
    async with request.form(max_part_size=limit + 1) as form:
        file = form.get(field)
        if not isinstance(file, UploadFile):
            return "", b""
        return file.filename or "", await file.read(limit + 1)


def download(filename: str, content_type: str, data: bytes) -> Response:
    """A stored file, always saved by the browser, never shown inside the site."""
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=content_type, headers={"Content-Disposition": disposition})
