"""WeasyPrint's URL fetcher for exports: the app's own static files, nothing else.

Export HTML carries user text (names, notes). Jinja escapes it, but if a template ever
slipped, a `<link href="http://…">`, `<img src="file:///etc/passwd">` or CSS `url()` would
make WeasyPrint open the network or the disk from the server. This fetcher is the second
wall: it answers only `/static/...` paths under the static folder, read from disk, and
refuses everything else before any file or socket is touched.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

# The base URL every export document is laid out under: relative and root-relative
# references (`/static/css/export.css`) resolve to it; nothing can be fetched from it
# but the static folder (`.invalid` never resolves, and no request is ever made).
BASE_URL = "https://custodia-export.invalid/"
STATIC_PREFIX = BASE_URL + "static/"
# Small inline images (a logo) are allowed as data: URLs; nothing else inline.
MAX_DATA_URL_BYTES = 256 * 1024
DATA_URL_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")


class RefusedURL(ValueError):
    """A URL the export fetcher will not open (WeasyPrint logs it and skips it)."""


class StaticOnlyFetcher(URLFetcher):
    """Serves `BASE_URL/static/<path>` from `static_dir`; refuses any other URL."""

    def __init__(self, static_dir: str | Path) -> None:
        super().__init__(timeout=0, allowed_protocols=(), allow_redirects=False)
        self.static_dir = Path(static_dir).resolve()

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return _data_url(url)
        return URLFetcherResponse(url, self.static_file(url).read_bytes(), _headers(url))

    def open(self, url: object, data: object = None, timeout: object = None) -> object:
        # OpenerDirector.open would reach urllib's handlers: never.
        raise RefusedURL("the export fetcher does not open URLs through urllib")

    def static_file(self, url: str) -> Path:
        """The file `url` names in the static folder, or RefusedURL."""
        if not url.startswith(STATIC_PREFIX):
            raise RefusedURL("only the app's static files may be fetched")
        parts = urlsplit(url)
        if parts.query or parts.fragment:
            raise RefusedURL("static URLs take no query or fragment")
        relative = unquote(parts.path).removeprefix("/static/")
        pieces = relative.split("/")
        if not relative or any(p in ("", ".", "..") or "\\" in p for p in pieces):
            raise RefusedURL("static path is not a plain relative path")
        path = (self.static_dir / relative).resolve()
        if not path.is_relative_to(self.static_dir) or not path.is_file():
            raise RefusedURL("no such static file")
        return path


def _headers(url: str) -> dict[str, str]:
    kind = mimetypes.guess_type(urlsplit(url).path)[0] or "application/octet-stream"
    return {"Content-Type": kind}


def _data_url(url: str) -> URLFetcherResponse:
    """A small base64 image; anything else inline is refused."""
    head, _, payload = url[5:].partition(",")
    kind, _, encoding = head.partition(";")
    if kind not in DATA_URL_TYPES or encoding != "base64":
        raise RefusedURL("only small base64 images may be inlined")
    if len(payload) > MAX_DATA_URL_BYTES * 4 // 3 + 4:
        raise RefusedURL("inline image too large")
    body = base64.b64decode(payload, validate=True)
    return URLFetcherResponse("data:", body, {"Content-Type": kind})
