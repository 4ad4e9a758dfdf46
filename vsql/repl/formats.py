"""The result formats of the shell and of scripts, named once.

This module imports nothing, so the command line can offer ``--format`` without loading a renderer.
"""

__all__ = ["FORMATS"]

FORMATS = ("table", "json", "csv", "vertical")
"""``table`` (aligned columns), ``json`` (one object per line), ``csv``, ``vertical`` (a record per block)."""
