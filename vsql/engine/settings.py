"""Query settings: property strings (WITH, SET) parsed once into a frozen, typed value.

Below the planner nothing reads a property string: it reads ``QuerySettings``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum

from vsql.engine.errors import PlanError
from vsql.engine.timeutil import parse_duration_ms

__all__ = [
    "SETTING_KEYS",
    "ConsumerTier",
    "LateDataStrategy",
    "OutputMode",
    "QuerySettings",
    "ScanBoundedMode",
]


class LateDataStrategy(Enum):
    """What happens to a row whose windows are all closed."""

    DEAD_LETTER = "dead_letter"
    DROP = "drop"


class ConsumerTier(Enum):
    """How the Kafka consumer fetches messages."""

    STANDARD = "standard"
    BUFFERED = "buffered"
    DEDICATED = "dedicated"


class ScanBoundedMode(Enum):
    """Where a query over a Kafka topic stops reading (Flink's ``scan.bounded.mode``)."""

    UNBOUNDED = "unbounded"
    """Never: a push query, ended by its LIMIT, a cancel or a timeout."""
    LATEST_OFFSET = "latest-offset"
    """At the topic's end offsets when the query starts; then every open window closes, as at the
    end of a file."""


class OutputMode(Enum):
    """How a shell renders a continuous result."""

    TABLE = "table"
    CHANGELOG = "changelog"
    APPEND = "append"


@dataclass(frozen=True)
class QuerySettings:
    """Every setting a query runs with, in engine units (milliseconds, enums).

    ``source_properties`` keeps the ``'<name>.<key>'`` properties (topic, format, path, type) for the
    I/O layer; the engine does not read them.
    """

    max_out_of_orderness_ms: int = 0
    idle_timeout_ms: int = 30_000
    allowed_lateness_ms: int = 0
    late_data_strategy: LateDataStrategy = LateDataStrategy.DEAD_LETTER
    event_time_field: str | None = None
    consumer_tier: ConsumerTier = ConsumerTier.BUFFERED
    dlq_topic: str | None = None
    output_mode: OutputMode | None = None
    scan_bounded_mode: ScanBoundedMode = ScanBoundedMode.UNBOUNDED
    workers: int = 1
    """Worker processes per stage of a partition-parallel run (``query.workers``)."""
    source_properties: tuple[tuple[str, str], ...] = field(default=())

    @classmethod
    def from_properties(cls, properties: Mapping[str, str]) -> QuerySettings:
        """Parse property strings; keys of the form ``'<name>.<key>'`` that are not settings are kept
        as source or sink properties.

        Raises:
            PlanError: a known key has a bad value, or a key is neither a setting nor scoped to a name.
        """
        return cls().with_properties(properties)

    def with_properties(self, properties: Mapping[str, str]) -> QuerySettings:
        """A copy with ``properties`` applied over these settings (same rules as ``from_properties``)."""
        changes: dict[str, object] = {}
        scoped = dict(self.source_properties)
        for key, raw in properties.items():
            name = key.strip().lower()
            spec = _SETTINGS.get(name)
            if spec is not None:
                attribute, parse = spec
                changes[attribute] = _parse_value(name, str(raw), parse)
            elif "." in name and name.split(".", 1)[1] in _SCOPED_KEYS:
                scoped[name] = str(raw)
            else:
                allowed = ", ".join(sorted(_SETTINGS))
                raise PlanError(
                    f"unknown setting {key!r}; settings are {allowed}, "
                    f"and '<source>.<key>' with key in {', '.join(sorted(_SCOPED_KEYS))}"
                )
        return replace(self, source_properties=tuple(sorted(scoped.items())), **changes)

    def source_property(self, source: str, key: str) -> str | None:
        """The ``'<source>.<key>'`` property, or None."""
        return dict(self.source_properties).get(f"{source.lower()}.{key}")

    def topic_of(self, name: str) -> str:
        """The Kafka topic behind source or sink ``name``: its ``'<name>.topic'`` property, else
        the name itself."""
        return self.source_property(name, "topic") or name


def _enum_parser(enum: type[Enum]) -> Callable[[str], Enum]:
    def parse(text: str) -> Enum:
        try:
            return enum(text.strip().lower())
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            raise ValueError(f"expected one of {allowed}") from None

    return parse


def _optional_text(text: str) -> str | None:
    return text.strip() or None


def _positive_int(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError("expected a positive whole number") from None
    if value < 1:
        raise ValueError("expected a positive whole number")
    return value


def _parse_value(key: str, raw: str, parse: Callable[[str], object]) -> object:
    try:
        return parse(raw)
    except ValueError as error:
        raise PlanError(f"bad value {raw!r} for setting '{key}': {error}") from error


_SETTINGS: dict[str, tuple[str, Callable[[str], object]]] = {
    "watermark.max_out_of_orderness": ("max_out_of_orderness_ms", parse_duration_ms),
    "watermark.idle_timeout": ("idle_timeout_ms", parse_duration_ms),
    "window.allowed_lateness": ("allowed_lateness_ms", parse_duration_ms),
    "late.data.strategy": ("late_data_strategy", _enum_parser(LateDataStrategy)),
    "event.time.field": ("event_time_field", _optional_text),
    "consumer.tier": ("consumer_tier", _enum_parser(ConsumerTier)),
    "dlq.topic": ("dlq_topic", _optional_text),
    "output.mode": ("output_mode", _enum_parser(OutputMode)),
    "scan.bounded.mode": ("scan_bounded_mode", _enum_parser(ScanBoundedMode)),
    "query.workers": ("workers", _positive_int),
}

SETTING_KEYS = tuple(sorted(_SETTINGS))

_SCOPED_KEYS = frozenset({"type", "topic", "format", "path", "partitions", "key", "consumer.tier"})
