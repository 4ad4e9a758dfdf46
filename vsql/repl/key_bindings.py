"""Key bindings: Enter runs a complete statement, Esc-Enter always runs, Tab completes, Ctrl-R searches."""

from __future__ import annotations

import logging

from prompt_toolkit.filters import Filter, completion_is_selected, has_completions
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.key_binding.bindings.search import start_reverse_incremental_search

__all__ = ["create_key_bindings"]

logger = logging.getLogger(__name__)


def create_key_bindings(*, is_complete: Filter) -> KeyBindings:
    """The shell's key bindings, layered over prompt-toolkit's emacs or vi defaults.

    Args:
        is_complete: true when the buffer holds a statement ready to run.
    """
    bindings = KeyBindings()

    @bindings.add("enter", filter=completion_is_selected)
    def _accept_completion(event: KeyPressEvent) -> None:
        """Enter on a selected completion takes it and closes the menu."""
        logger.debug("key: enter takes the selected completion")
        event.current_buffer.complete_state = None

    @bindings.add("enter", filter=~completion_is_selected & is_complete)
    def _submit(event: KeyPressEvent) -> None:
        """Enter on a complete statement runs it."""
        logger.debug("key: enter submits")
        event.current_buffer.validate_and_handle()

    @bindings.add("escape", "enter")
    def _force_submit(event: KeyPressEvent) -> None:
        """Esc-Enter (Alt-Enter) runs the buffer as it is, ``;`` or not."""
        logger.debug("key: esc-enter submits")
        event.current_buffer.validate_and_handle()

    @bindings.add("tab", filter=has_completions)
    def _next_completion(event: KeyPressEvent) -> None:
        """Tab moves to the next completion when the menu is open."""
        event.current_buffer.complete_next()

    @bindings.add("tab", filter=~has_completions)
    def _start_completion(event: KeyPressEvent) -> None:
        """Tab opens the completion menu, or indents when the cursor follows only blanks."""
        buffer = event.current_buffer
        if not buffer.document.current_line_before_cursor.strip():
            buffer.insert_text("    ")
            return
        logger.debug("key: tab starts completion")
        buffer.start_completion(select_first=False)

    bindings.add("c-r")(start_reverse_incremental_search)
    return bindings
