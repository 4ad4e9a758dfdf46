"""Colours: a pygments theme for the SQL, plus the shell's own classes (toolbar, menus, status)."""

from __future__ import annotations

from prompt_toolkit.styles import BaseStyle, Style, merge_styles, style_from_pygments_cls
from pygments.styles import get_style_by_name

__all__ = ["style_factory"]

_SHELL_STYLE = {
    "bottom-toolbar": "noreverse bg:#222222 #aaaaaa",
    "bottom-toolbar.broker": "bg:#222222 #5fafff",
    "bottom-toolbar.queries": "bg:#222222 #87d787",
    "bottom-toolbar.rate": "bg:#222222 #d7af5f",
    "bottom-toolbar.hint": "bg:#222222 #777777",
    "completion-menu.completion": "bg:#303030 #d0d0d0",
    "completion-menu.completion.current": "bg:#5f87af #ffffff",
    "completion-menu.meta.completion": "bg:#262626 #8a8a8a",
    "completion-menu.meta.completion.current": "bg:#5f87af #eeeeee",
    "prompt": "#5fafff bold",
    "continuation": "#5f5f5f",
}


def style_factory(theme: str) -> BaseStyle:
    """The prompt style for a pygments theme name (``Config.theme`` is already validated)."""
    themed = style_from_pygments_cls(get_style_by_name(theme))
    return merge_styles([themed, Style.from_dict(_SHELL_STYLE)])
