"""Which references point at this server: `Type/id` (with an optional
`/_history/n`), or an absolute URL on our canonical base (`FHIR_BASE`) or on a host
name this server answers to (`TRUSTED_HOSTS`, under `/fhir`). Anything else — another
server's URL, `urn:`, `#contained` — is not ours: referential integrity does not check
it (`health.fhir.referential`) and the search index does not take it for one of our
resources (`health.fhir.indexing.parse_reference`), so an external `Patient/1` never
lands in our Patient/1's compartment or facility scope."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from flask import current_app, has_app_context

DEFAULT_BASE = "https://custodia.dev/fhir"
_RELATIVE = re.compile(
    r"^([A-Z][A-Za-z]{0,63})/([A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?$"
)


def bases() -> tuple[str, list[str]]:
    """(our canonical base, the host names this server answers to: TRUSTED_HOSTS, a
    leading dot for a domain and its subdomains)."""
    if not has_app_context():
        return DEFAULT_BASE, []
    config = current_app.config
    return config.get("FHIR_BASE", DEFAULT_BASE), list(config.get("TRUSTED_HOSTS") or [])


def local_target(text: str, base: str, hosts: Sequence[str]) -> tuple[str, str] | None:
    """(type, id) when `text` refers to a resource of this server, else None."""
    if "://" in text:
        relative = _on_our_base(text, base, hosts)
        if relative is None:
            return None
        text = relative
    match = _RELATIVE.match(text)
    return (match[1], match[2]) if match else None


def _on_our_base(url: str, base: str, hosts: Sequence[str]) -> str | None:
    parts, ours = urlsplit(url), urlsplit(base)
    if parts.scheme not in ("http", "https") or parts.query or parts.fragment:
        return None
    host = (parts.hostname or "").lower()
    if host == (ours.hostname or "").lower() and parts.scheme == ours.scheme:
        prefix = ours.path.rstrip("/")
    elif any(host == h.lower() or (h.startswith(".") and host.endswith(h.lower())) for h in hosts):
        prefix = "/fhir"
    else:
        return None
    return parts.path[len(prefix) + 1 :] if parts.path.startswith(prefix + "/") else None


def is_ours(url: str) -> bool:
    """Whether the absolute `url` is on this server's base (see the module's text)."""
    return _on_our_base(url, *bases()) is not None
