"""Errors of the scenario runner."""

from __future__ import annotations

from pathlib import Path

from vsql.engine.errors import VsqlError

__all__ = ["ScenarioFileError"]


class ScenarioFileError(VsqlError):
    """A scenario file is invalid (unreadable, malformed, unknown field) or asks for something the
    runner does not support; the CLI exits with 2.

    Args:
        path: the scenario file.
        message: what is wrong.
        field: the dotted path of the offending field, when there is one.
    """

    def __init__(self, path: Path | str, message: str, *, field: str | None = None) -> None:
        where = f"{path}: field '{field}'" if field else str(path)
        super().__init__(f"{where}: {message}")
        self.path = Path(path)
        self.field = field
