"""Merging chunk PDFs into one tagged document, and stamping the running header/footer.

Each chunk is a complete tagged PDF: its own StructTreeRoot (a Document element over
the chunk's elements) and ParentTree (page → marked-content elements, annotation →
link element), keyed by the chunk's own page numbers. Merging copies the pages, moves
every chunk's top-level elements under one new Document element, and renumbers the
ParentTree keys with the pages' StructParents and the annotations' StructParent, so
the merged file stays one tagged document (PDF/UA) rather than pages with orphaned
marked content.

The header and footer (they name the export's time and "page N of M") are laid over
each page afterwards (core.pdf.stamp), as Artifacts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name

from core.pdf import stamp


def _number_tree(node: pikepdf.Object) -> Iterator[tuple[int, pikepdf.Object]]:
    """(key, value) pairs of a PDF number tree, in order."""
    nums = node.get("/Nums")
    if nums is not None:
        for i in range(0, len(nums), 2):
            yield int(nums[i]), nums[i + 1]
    for kid in node.get("/Kids", ()):
        yield from _number_tree(kid)


class Merger:
    """Builds the merged PDF. Each chunk is closed as soon as it is copied: qpdf keeps
    what copied streams need (their input), not the chunk's parsed objects, which
    cost about 3 MB per chunk held open (over 100 MB for a 500-page record)."""

    def __init__(self) -> None:
        self.pdf = pikepdf.new()
        self.tagged = True
        self.next_key = 0
        self.nums = Array()
        self.document = self.pdf.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name.Document, K=Array())
        )
        self.output_intents: pikepdf.Object | None = None

    def add(self, path: Path) -> int:
        """Append a chunk PDF's pages and structure; returns its page count."""
        with pikepdf.open(path) as source:
            return self._add(source)

    def _add(self, source: pikepdf.Pdf) -> int:
        first = len(self.pdf.pages)
        self.pdf.pages.extend(source.pages)
        if self.output_intents is None and "/OutputIntents" in source.Root:
            self.output_intents = self._copy(source, source.Root.OutputIntents)
        root = source.Root.get("/StructTreeRoot")
        if root is None:
            self.tagged = False
        else:
            self._add_structure(source, root, first)
        return len(source.pages)

    def _add_structure(self, source: pikepdf.Pdf, root: pikepdf.Object, first: int) -> None:
        offset = self.next_key
        top = [kid for element in root.K for kid in element.get("/K", ())]
        for kid in top:  # cut ties to the chunk's root before copying anything
            if "/P" in kid:
                del kid.P
        highest = -1
        for key, value in _number_tree(root.ParentTree):
            highest = max(highest, key)
            self.nums.append(key + offset)
            if isinstance(value, Array):
                self.nums.append(Array([self._copy(source, item) for item in value]))
            else:
                self.nums.append(self._copy(source, value))
        for page in self.pdf.pages[first:]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annot in page.obj.get("/Annots", ()):
                if "/StructParent" in annot:
                    annot.StructParent = int(annot.StructParent) + offset
        for kid in top:
            copied = self._copy(source, kid)
            if isinstance(copied, Dictionary):
                copied.P = self.document
            self.document.K.append(copied)
        self.next_key = offset + highest + 1

    def _copy(self, source: pikepdf.Pdf, item: pikepdf.Object) -> pikepdf.Object:
        """`item` copied from `source`; objects it refers to that were copied already
        (the pages) are shared, not duplicated (qpdf keeps one map per source)."""
        if not isinstance(item, pikepdf.Object):
            return item  # numbers, booleans
        if not item.is_indirect:
            item = source.make_indirect(item)
        return self.pdf.copy_foreign(item)

    def finish_structure(self) -> None:
        """Install the merged structure tree (or none, if a chunk was untagged)."""
        root = self.pdf.Root
        if self.output_intents is not None:
            root.OutputIntents = self.output_intents
        if not self.tagged:
            return
        tree = self.pdf.make_indirect(
            Dictionary(
                Type=Name.StructTreeRoot,
                K=Array([self.document]),
                ParentTree=self.pdf.make_indirect(Dictionary(Nums=self.nums)),
                ParentTreeNextKey=self.next_key,
            )
        )
        self.document.P = tree
        root.StructTreeRoot = tree

    def stamp(self, header: Path, labels: list[str]) -> None:
        """Lay the export's header/footer stamp and page labels over every page."""
        with pikepdf.open(header) as source:
            stamp.apply(self.pdf, source, labels)

    def close(self) -> None:
        self.pdf.close()
