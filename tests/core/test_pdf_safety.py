"""Issue 15 point 4: export user text comes out literally, and rendering opens neither
the network nor the disk outside the static folder (a loopback canary counts hits)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from markupsafe import escape

from core.pdf import RunningHeader, render_pdf, worker
from tests.canary import Canary, canary  # noqa: F401 (the fixture)
from tests.core.pdf_helpers import HEADER, document, encounter, flat, pages_text


@pytest.fixture
def pdf_cache(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(app.config, "PDF_CACHE_DIR", str(tmp_path / "pdf-cache"))
    return tmp_path / "pdf-cache"


@pytest.fixture(scope="module", autouse=True)
def _pool() -> Iterator[None]:
    yield
    worker.shutdown()


def _hostile_header(payload: str) -> RunningHeader:
    fields = {**HEADER.__dict__, "person_name": payload, "facility": f'") }} {payload}'}
    return RunningHeader(**fields)


@pytest.mark.parametrize("chunk_bytes", [1_000_000, 1000], ids=["single-pass", "chunked"])
def test_escaped_payloads_come_out_literally_and_fetch_nothing(
    app: Flask,
    canary: Canary,  # noqa: F811
    pdf_cache: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    chunk_bytes: int,
) -> None:
    monkeypatch.setitem(app.config, "PDF_CHUNK_BYTES", chunk_bytes)
    payloads = canary.payloads()
    parts = [f'<section class="x-section"><p>{escape(p)}</p></section>' for p in payloads]
    parts += [encounter(1, note=payloads[1])]
    rendered = render_pdf(document(parts, header=_hostile_header(payloads[0])))
    pages = pages_text(rendered.data, tmp_path)
    text = flat(" ".join(pages))
    for payload in payloads:
        assert flat(payload) in text
    assert flat(payloads[0]) in flat(pages[-1])  # header text on every page, literally
    assert canary.hits == []


def test_unescaped_hostile_html_still_fetches_nothing(
    app: Flask,
    canary: Canary,  # noqa: F811
    pdf_cache: Path,
    tmp_path: Path,
) -> None:
    """Defence in depth: a template that forgot to escape still cannot reach out."""
    hostile = (
        '<section class="x-section"><p>before</p>'
        '<img src="file:///etc/passwd" alt="p">'
        f'<link rel="stylesheet" href="{canary.url}">'
        f'<link rel="attachment" href="file:///etc/passwd">'
        f'<div style="background: url({canary.url}/css)">styled</div>'
        f'<img src="{canary.url}/img" alt="i">'
        f"<style>@import url({canary.url}/import); p {{ background: url(file:///etc/passwd) }}"
        f"@font-face {{ font-family: x; src: url({canary.url}/font) }}</style>"
        f'<iframe src="{canary.url}/frame"></iframe><object data="{canary.url}/obj"></object>'
        "<p>after</p></section>"
    )
    rendered = render_pdf(document([hostile]))
    text = flat(" ".join(pages_text(rendered.data, tmp_path)))
    assert "before" in text and "after" in text
    assert "root:" not in text
    assert b"root:x:0:0" not in rendered.data
    assert canary.hits == []
