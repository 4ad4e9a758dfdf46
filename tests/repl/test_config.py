"""Config: shipped defaults < user TOML < VSQL_* variables < flags; bad files fail clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from vsql.engine.settings import ConsumerTier
from vsql.repl.config import ConfigError, EditingMode, load_config, user_config_path


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_come_from_the_shipped_file(tmp_path: Path) -> None:
    config = load_config(environ={"XDG_DATA_HOME": str(tmp_path / "data")}, path=tmp_path / "missing.toml")
    assert config.broker == "embedded"
    assert config.is_embedded_broker
    assert config.tier is ConsumerTier.BUFFERED
    assert config.format == "table"
    assert config.theme == "native"
    assert config.key_bindings is EditingMode.EMACS
    assert config.history_file == tmp_path / "data" / "vsql" / "history"


def test_file_then_environment_then_flags(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", 'broker = "file:9092"\nformat = "csv"\ntheme = "monokai"\n')
    environ = {"VSQL_FORMAT": "json", "VSQL_KEY_BINDINGS": "vi"}
    config = load_config(flags={"broker": "flag:9092", "tier": None}, environ=environ, path=path)
    assert config.broker == "flag:9092"
    assert config.format == "json"
    assert config.theme == "monokai"
    assert config.key_bindings is EditingMode.VI


def test_vsql_broker_wins_over_vsql_bootstrap(tmp_path: Path) -> None:
    environ = {"VSQL_BOOTSTRAP": "boot:9092", "VSQL_BROKER": "broker:9092"}
    assert load_config(environ=environ, path=tmp_path / "none").broker == "broker:9092"
    assert load_config(environ={"VSQL_BOOTSTRAP": "boot:9092"}, path=tmp_path / "none").broker == "boot:9092"


def test_history_file_is_expanded(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", f'history_file = "{tmp_path}/h"\n')
    assert load_config(environ={}, path=path).history_file == tmp_path / "h"


def test_user_config_path_follows_xdg_and_vsql_config(tmp_path: Path) -> None:
    assert user_config_path({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "vsql" / "config.toml"
    assert user_config_path({"VSQL_CONFIG": str(tmp_path / "x.toml")}) == tmp_path / "x.toml"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('broker = "a:1"\nbroker = "b:2"\n', "not valid TOML"),
        ("format = \n", "not valid TOML"),
        ('colour = "red"\n', "unknown key 'colour'; keys are broker, tier, format"),
        ("format = 3\n", "format must be a string, got int 3"),
        ('format = "xml"\n', "bad value 'xml' for format: expected one of table, json, csv"),
        ('tier = "turbo"\n', "bad value 'turbo' for tier: expected one of standard, buffered, dedicated"),
        ('key_bindings = "nano"\n', "expected one of emacs, vi"),
        ('theme = "no-such-theme"\n', "bad value 'no-such-theme' for theme: expected a pygments style"),
        ('broker = "  "\n', "bad value '  ' for broker"),
    ],
)
def test_bad_config_file_raises_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "config.toml", text)
    with pytest.raises(ConfigError) as raised:
        load_config(environ={}, path=path)
    assert str(path) in str(raised.value)
    assert message in str(raised.value)


def test_bad_environment_value_names_the_environment(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"the environment \(VSQL_\*\): bad value 'yaml' for format"):
        load_config(environ={"VSQL_FORMAT": "yaml"}, path=tmp_path / "none")


def test_bad_flag_names_the_command_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="the command line: bad value 'xml' for format"):
        load_config(flags={"format": "xml"}, environ={}, path=tmp_path / "none")
