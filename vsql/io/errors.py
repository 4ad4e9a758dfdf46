"""Errors of the I/O layer: inputs that cannot be opened or read.

Bad records are not errors: decoders return them as dead-letter rows with a reason.
"""

from __future__ import annotations

from vsql.engine.errors import VsqlError

__all__ = ["InputError"]


class InputError(VsqlError):
    """An input (file, binding, format) cannot be opened, read or understood as a whole."""
