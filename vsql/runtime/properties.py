"""A session's properties: what ``SET`` wrote, the settings they parse into, and SHOW PROPERTIES."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from vsql.engine.columns import TIMESTAMP
from vsql.engine.settings import SETTING_KEYS, QuerySettings
from vsql.engine.timeutil import format_duration

__all__ = ["SessionProperties"]

_SETTING_TEXT: dict[str, Callable[[QuerySettings], str]] = {
    "watermark.max_out_of_orderness": lambda s: format_duration(s.max_out_of_orderness_ms),
    "watermark.idle_timeout": lambda s: format_duration(s.idle_timeout_ms),
    "window.allowed_lateness": lambda s: format_duration(s.allowed_lateness_ms),
    "late.data.strategy": lambda s: s.late_data_strategy.value,
    "event.time.field": lambda s: s.event_time_field or TIMESTAMP,
    "consumer.tier": lambda s: s.consumer_tier.value,
    "dlq.topic": lambda s: s.dlq_topic or "",
    "output.mode": lambda s: s.output_mode.value if s.output_mode is not None else "",
    "scan.bounded.mode": lambda s: s.scan_bounded_mode.value,
    "query.workers": lambda s: str(s.workers),
}
"""How SHOW PROPERTIES writes each setting, read from the parsed settings (so defaults show)."""


class SessionProperties:
    """The SET properties of a session, checked when set and parsed into ``QuerySettings`` once.

    Safe to read from any thread; a front end sets them from one thread at a time.

    Args:
        initial: properties to start with (checked like SET).

    Raises:
        PlanError: an initial key or value is not valid.
    """

    def __init__(self, initial: Mapping[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        self._written: dict[str, str] = {}
        self._settings = QuerySettings()
        for key, value in (initial or {}).items():
            self.set(key, value)

    @property
    def settings(self) -> QuerySettings:
        """The session's settings: the properties over the defaults."""
        with self._lock:
            return self._settings

    @property
    def written(self) -> dict[str, str]:
        """The properties as SET wrote them."""
        with self._lock:
            return dict(self._written)

    def set(self, key: str, value: str) -> None:
        """``SET 'key' = 'value'``.

        Raises:
            PlanError: the key or value is not valid.
        """
        with self._lock:
            candidate = {**self._written, key: value}
            self._settings = QuerySettings.from_properties(candidate)
            self._written = candidate

    def unset(self, key: str) -> None:
        """``UNSET 'key'``: back to the default (a key never set is no error)."""
        with self._lock:
            self._written = {name: value for name, value in self._written.items() if name != key}
            self._settings = QuerySettings.from_properties(self._written)

    def shown(self) -> dict[str, str]:
        """SHOW PROPERTIES: every setting with its current value (defaults included), plus the
        per-source properties set."""
        settings = self.settings
        shown = {key: _SETTING_TEXT[key](settings) for key in SETTING_KEYS if key in _SETTING_TEXT}
        return shown | {key.strip().lower(): value for key, value in self.written.items()}
