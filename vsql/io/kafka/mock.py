"""librdkafka's mock cluster through its public C API (``rdkafka_mock.h``), reached with ctypes.

The confluent-kafka wheel bundles librdkafka (``site-packages/confluent_kafka.libs/`` on Linux,
``confluent_kafka/.dylibs/`` on macOS); its mock cluster serves the real Kafka protocol on
loopback. A confluent-kafka client configured with ``test.mock.num.brokers`` starts one too, but
it hides its ``rd_kafka_t`` handle, so topic creation with a chosen partition count
(``rd_kafka_mock_topic_create``) needs a handle of our own: ``MockCluster`` creates one with the
same property and keeps it alive for the cluster's lifetime.

Its log lines go to the ``vsql.io.kafka.mock`` logger, never to stderr.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from pathlib import Path

from vsql.io.kafka.errors import BrokerError

__all__ = ["MockApiUnavailableError", "MockCluster", "find_librdkafka"]

logger = logging.getLogger(__name__)

_PRODUCER = 0
_ERRSTR_BYTES = 512
_TOPIC_ALREADY_EXISTS = 36
_SYSLOG_TO_LOGGING = {0: logging.CRITICAL, 1: logging.CRITICAL, 2: logging.CRITICAL, 3: logging.ERROR}
_LOG_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p)


class MockApiUnavailableError(BrokerError):
    """The librdkafka shared library, or its mock API, cannot be loaded."""


def find_librdkafka() -> Path | None:
    """The librdkafka shared library confluent-kafka uses, or None when it cannot be found."""
    import confluent_kafka  # noqa: PLC0415 - only needed to locate the wheel

    package = Path(confluent_kafka.__file__).resolve().parent
    for folder in (package.parent / "confluent_kafka.libs", package / ".dylibs"):
        if folder.is_dir():
            found = sorted(folder.glob("librdkafka*"))
            if found:
                return found[0]
    system = ctypes.util.find_library("rdkafka")
    return Path(system) if system else None


def _load() -> ctypes.CDLL:
    path = find_librdkafka()
    if path is None:
        raise MockApiUnavailableError("cannot find the librdkafka shared library of confluent-kafka")
    try:
        lib = ctypes.CDLL(str(path))
        _declare(lib)
    except (OSError, AttributeError) as error:
        raise MockApiUnavailableError(f"cannot use librdkafka's mock API from {path}: {error}") from error
    return lib


def _declare(lib: ctypes.CDLL) -> None:
    """Declare the signatures of the functions used (from rdkafka.h and rdkafka_mock.h)."""
    pointer, text = ctypes.c_void_p, ctypes.c_char_p
    lib.rd_kafka_conf_new.restype = pointer
    lib.rd_kafka_conf_new.argtypes = []
    lib.rd_kafka_conf_set.restype = ctypes.c_int
    lib.rd_kafka_conf_set.argtypes = [pointer, text, text, text, ctypes.c_size_t]
    lib.rd_kafka_conf_set_log_cb.restype = None
    lib.rd_kafka_conf_set_log_cb.argtypes = [pointer, _LOG_CB]
    lib.rd_kafka_conf_destroy.restype = None
    lib.rd_kafka_conf_destroy.argtypes = [pointer]
    lib.rd_kafka_new.restype = pointer
    lib.rd_kafka_new.argtypes = [ctypes.c_int, pointer, text, ctypes.c_size_t]
    lib.rd_kafka_destroy.restype = None
    lib.rd_kafka_destroy.argtypes = [pointer]
    lib.rd_kafka_err2str.restype = text
    lib.rd_kafka_err2str.argtypes = [ctypes.c_int]
    lib.rd_kafka_handle_mock_cluster.restype = pointer
    lib.rd_kafka_handle_mock_cluster.argtypes = [pointer]
    lib.rd_kafka_mock_cluster_bootstraps.restype = text
    lib.rd_kafka_mock_cluster_bootstraps.argtypes = [pointer]
    lib.rd_kafka_mock_topic_create.restype = ctypes.c_int
    lib.rd_kafka_mock_topic_create.argtypes = [pointer, text, ctypes.c_int, ctypes.c_int]
    lib.rd_kafka_mock_group_initial_rebalance_delay_ms.restype = None
    lib.rd_kafka_mock_group_initial_rebalance_delay_ms.argtypes = [pointer, ctypes.c_int32]


@_LOG_CB
def _forward_log(_handle: int, level: int, facility: bytes, line: bytes) -> None:
    logger.log(
        _SYSLOG_TO_LOGGING.get(level, logging.DEBUG if level >= 7 else logging.INFO),
        "%s: %s",
        facility.decode("utf-8", "replace"),
        line.decode("utf-8", "replace"),
    )


class MockCluster:
    """A librdkafka mock cluster owned by this process; it lives until ``close()``.

    Args:
        brokers: number of mock brokers (replication factor of created topics is 1).

    Raises:
        MockApiUnavailableError: the library or its mock API cannot be loaded.
        BrokerError: librdkafka refused to start the cluster.
    """

    def __init__(self, *, brokers: int = 1) -> None:
        self._lib = _load()
        self._lock = threading.Lock()
        conf = self._lib.rd_kafka_conf_new()
        errstr = ctypes.create_string_buffer(_ERRSTR_BYTES)
        for key, value in (("test.mock.num.brokers", str(brokers)), ("log_level", "6")):
            if self._lib.rd_kafka_conf_set(conf, key.encode(), value.encode(), errstr, _ERRSTR_BYTES) != 0:
                self._lib.rd_kafka_conf_destroy(conf)
                raise BrokerError(f"cannot configure the mock cluster: {errstr.value.decode()}")
        self._lib.rd_kafka_conf_set_log_cb(conf, _forward_log)
        handle = self._lib.rd_kafka_new(_PRODUCER, conf, errstr, _ERRSTR_BYTES)
        if not handle:
            self._lib.rd_kafka_conf_destroy(conf)
            raise BrokerError(f"cannot start the mock cluster: {errstr.value.decode()}")
        self._handle: int | None = handle
        self._cluster = self._lib.rd_kafka_handle_mock_cluster(handle)
        self.bootstrap: str = self._lib.rd_kafka_mock_cluster_bootstraps(self._cluster).decode()
        self._lib.rd_kafka_mock_group_initial_rebalance_delay_ms(self._cluster, 0)

    def create_topic(self, name: str, partitions: int) -> bool:
        """Create a topic with ``partitions`` partitions; False when it already exists.

        Raises:
            BrokerError: the cluster is closed or refused the topic.
        """
        with self._lock:
            if self._handle is None:
                raise BrokerError("the embedded broker is closed")
            code = self._lib.rd_kafka_mock_topic_create(self._cluster, name.encode(), partitions, 1)
        if code == _TOPIC_ALREADY_EXISTS:
            return False
        if code != 0:
            reason = self._lib.rd_kafka_err2str(code).decode()
            raise BrokerError(f"cannot create topic '{name}' with {partitions} partitions: {reason}")
        return True

    def close(self) -> None:
        """Stop the cluster: clients connected to it see the broker go away. Idempotent."""
        with self._lock:
            handle, self._handle = self._handle, None
        if handle is not None:
            self._lib.rd_kafka_destroy(handle)
