"""Result renderers: one module per output format behind the ``Renderer`` protocol.

A renderer writes to the text stream it was given, never to stdout on its own.
"""

from __future__ import annotations

from typing import Protocol, TextIO

import pyarrow as pa

from vsql.io.formats.writers import CsvWriter, JsonLinesWriter
from vsql.repl.formats import FORMATS
from vsql.repl.render.table import TableRenderer
from vsql.repl.render.vertical import VerticalRenderer

__all__ = [
    "FORMATS",
    "Renderer",
    "TableRenderer",
    "VerticalRenderer",
    "make_renderer",
    "write_lines",
    "write_result",
]


class Renderer(Protocol):
    """Writes result rows to a stream.

    ``write`` is called once per result batch, in emission order, possibly with zero rows;
    ``close`` is called once after the last batch (a renderer that aligns columns writes then).
    Neither closes the stream.
    """

    def write(self, rows: pa.Table) -> None:
        """Render (or buffer) some rows."""

    def close(self) -> None:
        """Write what is buffered."""


_RENDERERS: dict[str, type[CsvWriter | JsonLinesWriter | TableRenderer | VerticalRenderer]] = dict(
    zip(FORMATS, (TableRenderer, JsonLinesWriter, CsvWriter, VerticalRenderer), strict=True)
)


def make_renderer(name: str, stream: TextIO) -> Renderer:
    """The renderer for a format name (``table``, ``json``, ``csv``, ``vertical``) writing to
    ``stream``.

    Raises:
        ValueError: the name is not a known format.
    """
    try:
        renderer_class = _RENDERERS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown format {name!r}; formats are {', '.join(FORMATS)}") from None
    return renderer_class(stream)


def write_result(name: str, stream: TextIO, rows: pa.Table) -> None:
    """Render one complete result (SHOW, DESCRIBE) in format ``name`` to ``stream``."""
    renderer = make_renderer(name, stream)
    renderer.write(rows)
    renderer.close()


def write_lines(stream: TextIO, text: str) -> None:
    """Write ``text`` as whole lines and flush, so it shows at once."""
    stream.write(text.rstrip("\n") + "\n")
    stream.flush()
