"""The query editor: a SQL text area with the shell's completion in a pop-up list.

Tab (or Ctrl-Space) completes the word at the cursor from ``vsql.repl.candidates``, the shell's own
suggestions and names: a single candidate is inserted at once, several open a list (Enter picks,
Escape closes). SQL is highlighted with tree-sitter when it is installed, else shown plain.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, TextArea
from textual.widgets.option_list import Option

from vsql.repl.candidates import Candidate, NameSource, candidates

__all__ = ["QueryEditor"]

_LIST_SIZE = 8
"""Candidates the pop-up list shows at most."""


class _SqlArea(TextArea):
    """The text area: Tab and Ctrl-Space ask the editor to complete instead of moving focus."""

    BINDINGS = [
        Binding("tab", "complete", "Complete", show=False),
        Binding("ctrl+space", "complete", "Complete", show=False),
    ]

    def action_complete(self) -> None:
        """Let the editor complete the word at the cursor."""
        editor = self.parent
        if isinstance(editor, QueryEditor):
            editor.complete()


class _CompletionList(OptionList):
    """The pop-up list of candidates; Escape closes it."""

    BINDINGS = [Binding("escape", "dismiss", "Close", show=False)]

    def action_dismiss(self) -> None:
        """Close the list and give the focus back to the text."""
        editor = self.parent
        if isinstance(editor, QueryEditor):
            editor.close_completions()


class QueryEditor(Vertical):
    """A SQL editor with completion.

    Args:
        text: the initial statement.
        names: returns the current name source (the catalog), or None while none is connected.
        id: the widget id.
    """

    def __init__(self, text: str, *, names: Callable[[], NameSource | None], id: str | None = None) -> None:
        super().__init__(id=id)
        self._initial = text
        self._names = names
        self._shown: list[Candidate] = []

    def compose(self) -> ComposeResult:
        """The text area, and the hidden candidate list under it."""
        area = _SqlArea(self._initial, id="sql", tab_behavior="focus", show_line_numbers=False)
        area.language = "sql" if "sql" in area.available_languages else None
        yield area
        completions = _CompletionList(id="completions")
        completions.display = False
        yield completions

    @property
    def area(self) -> TextArea:
        """The text area."""
        return self.query_one("#sql", TextArea)

    @property
    def text(self) -> str:
        """The editor's text."""
        return self.area.text

    def complete(self) -> None:
        """Complete the word at the cursor: insert the only candidate, or list several."""
        names = self._names()
        if names is None:
            return
        area = self.area
        row, column = area.cursor_location
        before = area.get_text_range((0, 0), (row, column))
        found = candidates(area.text, before, names=names, command_names=())
        if len(found) == 1:
            self._insert(found[0])
            return
        if not found:
            self.app.bell()
            return
        self._shown = found[:_LIST_SIZE]
        completions = self.query_one(_CompletionList)
        completions.clear_options()
        completions.add_options(
            Option(Text.assemble(item.display, (f"  {item.meta}", "dim"))) for item in self._shown
        )
        completions.highlighted = 0
        completions.display = True
        completions.focus()

    def close_completions(self) -> None:
        """Hide the candidate list and focus the text."""
        self.query_one(_CompletionList).display = False
        self.area.focus()

    @on(OptionList.OptionSelected, "#completions")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = self._shown[event.option_index]
        self.close_completions()
        self._insert(chosen)

    def _insert(self, candidate: Candidate) -> None:
        area = self.area
        row, column = area.cursor_location
        start = (row, max(0, column + candidate.start_position))
        area.replace(candidate.text, start, (row, column), maintain_selection_offset=False)
