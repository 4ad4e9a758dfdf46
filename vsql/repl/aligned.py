"""Rows of cell text aligned in columns under a header, as rich ``Text`` lines for the live view.

A column is as wide as its widest cell, header included (in terminal cells, so wide characters
count twice); columns are two spaces apart and cells align left, as in rich's borderless tables.
``AlignedColumns`` keeps the widths across batches printed one after another (append and changelog
modes): a batch holding a wider cell widens its columns and the header is printed again above it,
so every row stands under a header of its own widths.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text

__all__ = ["AlignedColumns", "aligned_lines"]

_GAP = "  "
_HEADER_STYLE = "bold"


class AlignedColumns:
    """Column widths kept while batches of rows are printed under one header.

    Args:
        names: the column names, which head the columns.
    """

    def __init__(self, names: Sequence[str]) -> None:
        self._names = tuple(names)
        self._widths = [cell_len(name) for name in names]
        self._is_header_printed = False

    @property
    def is_header_printed(self) -> bool:
        """Whether ``lines`` has handed out a header yet."""
        return self._is_header_printed

    def header(self) -> Text:
        """The header at the current widths."""
        return _line(self._names, self._widths, style=_HEADER_STYLE)

    def lines(self, rows: Sequence[Sequence[str]]) -> list[Text]:
        """The lines that print ``rows`` below what was printed before.

        A header comes first when none was printed yet or when a cell of ``rows`` is wider than
        its column; the columns then widen to fit the batch. Costs one pass over the cells.

        Args:
            rows: cells in column order, one sequence per row.
        """
        widths = _widths(self._widths, rows)
        lines = []
        if widths != self._widths or not self._is_header_printed:
            self._widths = widths
            self._is_header_printed = True
            lines.append(self.header())
        lines += [_line(cells, widths) for cells in rows]
        return lines


def aligned_lines(
    names: Sequence[str], rows: Sequence[Sequence[str]], *, is_clipped: bool = False
) -> list[Text]:
    """A header and ``rows`` at the widths of these rows: a table drawn whole at once.

    Args:
        names: the column names.
        rows: cells in column order, one sequence per row.
        is_clipped: cut lines wider than the screen with an ellipsis instead of wrapping them (a
            live area must keep its height).
    """
    widths = _widths([cell_len(name) for name in names], rows)
    lines = [_line(names, widths, style=_HEADER_STYLE)] + [_line(cells, widths) for cells in rows]
    if is_clipped:
        for line in lines:
            line.no_wrap = True
            line.overflow = "ellipsis"
    return lines


def _widths(widths: Sequence[int], rows: Sequence[Sequence[str]]) -> list[int]:
    if not rows:
        return list(widths)
    columns = zip(*rows, strict=True)
    return [max(width, *map(cell_len, column)) for width, column in zip(widths, columns, strict=True)]


def _line(cells: Sequence[str], widths: Sequence[int], *, style: str = "") -> Text:
    padded = (cell + " " * (width - cell_len(cell)) for cell, width in zip(cells, widths, strict=True))
    return Text(_GAP.join(padded).rstrip(), style=style)
