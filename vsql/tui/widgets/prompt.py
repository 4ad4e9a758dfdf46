"""A small modal form: labelled inputs with defaults, dismissed with their values or None.

The dashboard's flows (``vsql.tui.flows``) ask for datagen settings, a broker address and an
export path with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

__all__ = ["Field", "PromptScreen"]


@dataclass(frozen=True)
class Field:
    """One input of the form.

    Attributes:
        name: the key of its value in the result.
        label: the text above it.
        value: its initial value.
        placeholder: shown while empty.
    """

    name: str
    label: str
    value: str = ""
    placeholder: str = ""


class PromptScreen(ModalScreen[dict[str, str] | None]):
    """Asks for ``fields``; Enter or OK returns their values by name, Escape or Cancel None.

    Args:
        title: the form's title.
        fields: the inputs, in order.
        ok: the confirming button's label.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, fields: Sequence[Field], *, ok: str = "OK") -> None:
        super().__init__()
        self._title = title
        self._fields = tuple(fields)
        self._ok = ok

    def compose(self) -> ComposeResult:
        """The title, one labelled input per field, and the buttons."""
        with Vertical(id="prompt"):
            yield Label(self._title, id="prompt-title")
            for field in self._fields:
                yield Label(field.label)
                yield Input(field.value, placeholder=field.placeholder, id=f"field-{field.name}")
            with Horizontal(id="prompt-buttons"):
                yield Button(self._ok, variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def values(self) -> dict[str, str]:
        """The inputs' current values by field name, stripped."""
        return {
            field.name: self.query_one(f"#field-{field.name}", Input).value.strip() for field in self._fields
        }

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _confirm(self) -> None:
        self.dismiss(self.values())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without values."""
        self.dismiss(None)
