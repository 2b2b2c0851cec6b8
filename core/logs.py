"""Logging with a request id on every line, and no query strings (they can carry
patient identifiers) or bodies ever written."""

from __future__ import annotations

import logging
import re

from flask import g, has_request_context

FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
_QUERY = re.compile(r"(\s/[^\s?\"]*)\?[^\s\"]*")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(g, "request_id", "-") if has_request_context() else "-"
        return True


class StripQueryFilter(logging.Filter):
    """Werkzeug's access log prints the request line; drop its query string."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                _QUERY.sub(r"\1", a) if isinstance(a, str) else a for a in record.args
            )
        record.msg = _QUERY.sub(r"\1", str(record.msg))
        return True


def configure_logging() -> None:
    root = logging.getLogger()
    if any(getattr(h, "custodia", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.custodia = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RequestIdFilter())
    handler.addFilter(StripQueryFilter())
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("werkzeug").addFilter(StripQueryFilter())
