"""Chunks: how a document's parts are cut, and the cache of rendered chunk PDFs.

Parts are cut into chunks from the start by size alone, so a record that is only
appended to keeps every earlier chunk byte-identical and only its last chunk (and the
new ones) are laid out again. A chunk PDF is stored under the SHA-256 of everything
that shapes it (its HTML, the stylesheet, the engine version); the cache is bounded
and evicts the least recently used files.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import weasyprint

# Bump when a change to the engine changes chunk PDFs for the same HTML.
ENGINE_VERSION = "1"


def split_chunks(parts: Sequence[str], chunk_bytes: int) -> list[list[str]]:
    """Parts grouped in order; a chunk closes once it holds `chunk_bytes` of HTML.

    Depends only on the parts before each cut, so appending parts never moves an
    earlier cut."""
    chunks: list[list[str]] = [[]]
    size = 0
    for part in parts:
        if size >= chunk_bytes:
            chunks.append([])
            size = 0
        chunks[-1].append(part)
        size += len(part.encode())
    return chunks


@dataclass(frozen=True)
class ChunkCache:
    """Rendered chunk PDFs on disk, keyed by content hash, at most `max_bytes`."""

    root: Path
    max_bytes: int
    salt: str = ""  # the stylesheet's hash: a new stylesheet renders anew

    def key(self, html: str) -> str:
        digest = hashlib.sha256()
        for piece in (ENGINE_VERSION, weasyprint.__version__, self.salt, html):
            digest.update(piece.encode())
            digest.update(b"\0")
        return digest.hexdigest()

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.pdf"

    def lookup(self, key: str) -> Path | None:
        """The cached PDF for `key` (marked as used), or None."""
        path = self.path(key)
        try:
            os.utime(path)
        except FileNotFoundError:
            return None
        return path

    def reserve(self, key: str) -> Path:
        """Where a worker writes the PDF for `key` (its folder made)."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def prune(self) -> int:
        """Evict least recently used files until the cache fits; returns files removed."""
        files = []
        for path in self.root.glob("*/*.pdf"):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            files.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in files)
        removed = 0
        for _, size, path in sorted(files):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
            removed += 1
        return removed


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
