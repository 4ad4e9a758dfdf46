"""Shell configuration: TOML and environment variables parsed once into a frozen ``Config``.

Precedence, highest first: command-line flags, ``VSQL_*`` environment variables, the user's file
(``$XDG_CONFIG_HOME/vsql/config.toml``, else ``~/.config/vsql/config.toml``; ``VSQL_CONFIG`` names
another), and the defaults in the commented ``default_config.toml`` shipped with the package.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from importlib import resources
from pathlib import Path

from pygments.styles import get_all_styles

from vsql.engine.errors import VsqlError
from vsql.engine.settings import ConsumerTier
from vsql.repl.formats import FORMATS

__all__ = [
    "Config",
    "ConfigError",
    "EditingMode",
    "default_history_path",
    "load_config",
    "user_config_path",
]

EMBEDDED_BROKER = "embedded"


class ConfigError(VsqlError):
    """A configuration file or variable is unreadable or holds a bad value."""


class EditingMode(Enum):
    """The key bindings of the prompt."""

    EMACS = "emacs"
    VI = "vi"


@dataclass(frozen=True)
class Config:
    """The shell's settings.

    Attributes:
        broker: a bootstrap address, or ``embedded`` for vsql's in-process broker.
        tier: the consumer tier queries use.
        format: the result format (``table``, ``json``, ``csv``).
        theme: a pygments style name.
        key_bindings: emacs or vi editing.
        history_file: where statements are remembered.
    """

    broker: str
    tier: ConsumerTier
    format: str
    theme: str
    key_bindings: EditingMode
    history_file: Path

    @property
    def is_embedded_broker(self) -> bool:
        """Whether the shell should start its own broker."""
        return self.broker == EMBEDDED_BROKER


def _choice(allowed: tuple[str, ...]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return value

    return parse


def _enum(enum: type[Enum]) -> Callable[[str], Enum]:
    choose = _choice(tuple(member.value for member in enum))
    return lambda text: enum(choose(text))


def _broker(text: str) -> str:
    value = text.strip()
    if not value:
        raise ValueError("expected host:port or 'embedded'")
    return value


def _theme(text: str) -> str:
    value = text.strip()
    if value not in set(get_all_styles()):
        raise ValueError(f"expected a pygments style, one of {', '.join(sorted(get_all_styles()))}")
    return value


_PARSERS: dict[str, Callable[[str], object]] = {
    "broker": _broker,
    "tier": _enum(ConsumerTier),
    "format": _choice(FORMATS),
    "theme": _theme,
    "key_bindings": _enum(EditingMode),
    "history_file": str,
}
_ENVIRONMENT = {f"VSQL_{key.upper()}": key for key in _PARSERS} | {"VSQL_BOOTSTRAP": "broker"}


def load_config(
    *,
    flags: Mapping[str, str | None] | None = None,
    environ: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> Config:
    """The configuration from flags, environment, the user's file and the shipped defaults.

    Args:
        flags: values given on the command line, by key; None values are ignored.
        environ: the environment (``os.environ`` when None).
        path: the user's file; when None, ``user_config_path(environ)``. A missing file is fine.

    Raises:
        ConfigError: a file is not valid TOML, or a key is unknown, or a value is bad; the message
            names the file or variable, the key and the allowed values.
    """
    environ = os.environ if environ is None else environ
    defaults = resources.files("vsql.repl").joinpath("default_config.toml").read_text(encoding="utf-8")
    values = _parse_table(_read_toml(defaults, origin="default_config.toml"), origin="default_config.toml")
    user_path = user_config_path(environ) if path is None else path
    if user_path.is_file():
        try:
            text = user_path.read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigError(f"cannot read {user_path}: {error.strerror or error}") from error
        values |= _parse_table(_read_toml(text, origin=str(user_path)), origin=str(user_path))
    # Sorted, so VSQL_BROKER (after VSQL_BOOTSTRAP) wins when both are set.
    from_environment = {key: environ[name] for name, key in sorted(_ENVIRONMENT.items()) if name in environ}
    values |= _parse_table(from_environment, origin="the environment (VSQL_*)")
    given = {key: value for key, value in (flags or {}).items() if value is not None}
    values |= _parse_table(given, origin="the command line")
    history = str(values.pop("history_file"))
    history_path = Path(history).expanduser() if history else default_history_path(environ)
    return Config(history_file=history_path, **values)  # type: ignore[arg-type]


def user_config_path(environ: Mapping[str, str]) -> Path:
    """The user's config file: ``VSQL_CONFIG``, else under ``XDG_CONFIG_HOME``, else ``~/.config``."""
    if environ.get("VSQL_CONFIG"):
        return Path(environ["VSQL_CONFIG"]).expanduser()
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "vsql" / "config.toml"


def default_history_path(environ: Mapping[str, str]) -> Path:
    """The history file under the user's data directory (``XDG_DATA_HOME`` or ``~/.local/share``)."""
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "vsql" / "history"


def _read_toml(text: str, *, origin: str) -> dict[str, object]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{origin}: not valid TOML: {error}") from error


def _parse_table(table: Mapping[str, object], *, origin: str) -> dict[str, object]:
    parsed: dict[str, object] = {}
    for key, raw in table.items():
        parse = _PARSERS.get(key)
        if parse is None:
            raise ConfigError(f"{origin}: unknown key {key!r}; keys are {', '.join(_PARSERS)}")
        if not isinstance(raw, str):
            raise ConfigError(f"{origin}: {key} must be a string, got {type(raw).__name__} {raw!r}")
        try:
            parsed[key] = parse(raw)
        except ValueError as error:
            raise ConfigError(f"{origin}: bad value {raw!r} for {key}: {error}") from error
    return parsed
