"""Reading ahead: an iterator's next items produced in a background thread while the caller works.

A file input reads and decodes its next block while the engine processes the current one; the
decoders spend their time in pyarrow's readers, which release the GIL, so the two overlap on two
cores. At most ``depth`` items wait in the queue, so memory stays bounded by a few blocks.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["read_ahead"]

T = TypeVar("T")

_POLL_S = 0.1


class _End:
    """Marks the end of the items, or carries the exception that ended them."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


def read_ahead(items: Iterable[T], *, depth: int = 2, name: str = "vsql-read-ahead") -> Iterator[T]:
    """Yield ``items`` in order, producing up to ``depth`` of them ahead in a daemon thread.

    An exception raised while producing is raised here, at the point the failed item would have
    come. Closing the returned iterator early (a LIMIT reached, a cancelled query) stops the
    thread after the item it is producing.
    """
    ready: queue.Queue[T | _End] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        ready.put(item, timeout=_POLL_S)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put(_End())
        except BaseException as error:  # handed to the consumer, which re-raises it
            ready.put(_End(error))

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = ready.get()
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
            yield item
    finally:
        stop.set()
