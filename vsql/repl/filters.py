"""Is the buffer ready to run? The test behind Enter: submit, or start a new line.

The buffer is complete when it holds no statement (blank, a lone ``;``, only comments: submitting
it runs nothing), when it ends with a ``;`` outside quotes and comments, or when it is one line
holding a shell statement that needs no ``;`` (``SHOW TOPICS``, ``HELP``, ``EXIT``). An unterminated
quote or block comment is never complete.
"""

from __future__ import annotations

from prompt_toolkit.application import get_app
from prompt_toolkit.filters import Condition, Filter

from vsql.engine.sql.script import find_unterminated, split_statements
from vsql.repl.commands import CommandRegistry

__all__ = ["buffer_is_complete", "is_statement_complete"]

_PROBE = "vsql_probe"


def is_statement_complete(text: str, *, registry: CommandRegistry) -> bool:
    """Whether Enter should submit ``text``.

    Args:
        text: the whole buffer.
        registry: the shell statements, to know which need no ``;``.
    """
    if find_unterminated(text) is not None:
        return False
    statements = split_statements(text)
    if not statements:
        return True
    if _ends_with_terminator(text, count=len(statements)):
        return True
    is_one_line = "\n" not in text.strip()
    return is_one_line and len(statements) == 1 and not registry.needs_terminator(statements[0])


def _ends_with_terminator(text: str, *, count: int) -> bool:
    # A word appended on its own line makes a statement of its own exactly when everything before
    # it was terminated; the script splitter already knows quotes and comments, so ask it.
    return len(split_statements(f"{text}\n{_PROBE}")) == count + 1


def buffer_is_complete(registry: CommandRegistry) -> Filter:
    """A prompt-toolkit filter: the current buffer is complete (see ``is_statement_complete``)."""
    return Condition(lambda: is_statement_complete(get_app().current_buffer.text, registry=registry))
