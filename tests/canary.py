"""A canary HTTP server on loopback for the PDF safety tests (issue 15, point 4): user
text that names it (`<link href>`, `<img src>`, CSS `url()`) must reach the PDF as
literal text, and the server must receive nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Canary:
    """Counts every request it receives (any method, any path)."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def _hit(self) -> None:
                canary.hits.append(f"{self.command} {self.path}")
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.end_headers()
                self.wfile.write(b"body { color: red }")

            do_GET = do_POST = do_HEAD = _hit

            def log_message(self, format: str, *args: object) -> None:  # quiet
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/canary"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def payloads(self) -> list[str]:
        """Hostile text to put in names and notes: each must come out literally."""
        return [
            '<img src="file:///etc/passwd">',
            f'<link rel="stylesheet" href="{self.url}">',
            f'<div style="background: url({self.url}/css)">x</div>',
            f"url({self.url}/bare)",
            f'<img src="{self.url}/img">',
        ]


@pytest.fixture
def canary() -> Iterator[Canary]:
    server = Canary()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()
