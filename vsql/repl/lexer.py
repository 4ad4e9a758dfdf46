"""Syntax highlighting: pygments' SQL lexer plus vsql's streaming keywords and functions."""

from __future__ import annotations

from prompt_toolkit.lexers import Lexer, PygmentsLexer
from pygments.lexer import inherit, words
from pygments.lexers.sql import SqlLexer
from pygments.token import Keyword, Literal, Name

from vsql.repl.vocabulary import FUNCTION_NAMES, STREAMING_KEYWORDS

__all__ = ["VsqlPygmentsLexer", "create_lexer"]

_STREAMING_WORDS = tuple(sorted({word for phrase in STREAMING_KEYWORDS for word in phrase.split()}))
_SHELL_WORDS = (
    "SHOW",
    "TOPICS",
    "QUERIES",
    "PROPERTIES",
    "DESCRIBE",
    "PRINT",
    "BEGINNING",
    "TERMINATE",
    "UNSET",
    "RUN",
    "SCRIPT",
    "EXPLAIN",
    "HELP",
    "EXIT",
    "QUIT",
    "DATAGEN",
    "RATE",
)


class VsqlPygmentsLexer(SqlLexer):
    """SQL with the streaming clauses (WINDOW TUMBLING, EMIT CHANGES, ...), shell statements and
    duration literals (``30s``, ``250ms``) highlighted."""

    name = "vsql"
    aliases = ["vsql"]
    filenames: list[str] = []

    tokens = {
        "root": [
            (words(_STREAMING_WORDS + _SHELL_WORDS, prefix=r"(?i)\b", suffix=r"\b"), Keyword),
            (words(FUNCTION_NAMES, prefix=r"(?i)\b", suffix=r"(?=\s*\()"), Name.Function),
            (r"\b\d+(?:ms|s|m|h|d)\b", Literal.Number),
            inherit,
        ]
    }


def create_lexer() -> Lexer:
    """The prompt-toolkit lexer for the shell's buffer."""
    return PygmentsLexer(VsqlPygmentsLexer)
