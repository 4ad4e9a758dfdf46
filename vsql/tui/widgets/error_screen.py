"""A modal that shows an error (a rejected statement with its caret line, a broker failure)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

__all__ = ["ErrorScreen"]


class ErrorScreen(ModalScreen[None]):
    """``text`` under ``title`` until Escape or Enter.

    Args:
        title: what failed.
        text: the error, as ``format_error`` writes it.
    """

    BINDINGS = [Binding("escape,enter", "close", "Close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self._title = title
        self._text = text

    def compose(self) -> ComposeResult:
        """The title and the error text."""
        with Vertical(id="error"):
            yield Label(self._title, id="error-title")
            yield Static(self._text, id="error-text", markup=False)
            yield Label("Escape closes", classes="hint")

    def action_close(self) -> None:
        """Close the modal."""
        self.dismiss(None)
