"""The interactive shell and its renderers."""
