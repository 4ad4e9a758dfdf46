"""A query process for the delivery test: runs a windowed query from a topic to a topic, committing
after every batch, and kills itself with SIGKILL once it has read ``--kill-after`` records and the
group has committed offsets past the start.

Usage: python killable_query.py BOOTSTRAP SOURCE SINK GROUP [--kill-after N]; prints the number of
records it read when it ends normally.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from vsql.engine.sql.statements import compile_query
from vsql.io.formats.json import JsonDecoder
from vsql.io.kafka.brokers import LiveBroker
from vsql.io.kafka.consumer import TopicConsumer
from vsql.io.kafka.producer import JsonProducer
from vsql.runtime.counters import Counters
from vsql.runtime.run import run_query
from vsql.runtime.sinks import KafkaSink
from vsql.runtime.sources import KafkaSource

SQL = (
    "SELECT symbol, COUNT(*) AS trades, SUM(qty) AS volume, _window_start AS ws "
    "FROM trades GROUP BY symbol WINDOW TUMBLING(1s) EMIT FINAL"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("bootstrap", "source", "sink", "group"):
        parser.add_argument(name)
    parser.add_argument("--kill-after", type=int, default=None)
    args = parser.parse_args()
    broker = LiveBroker(args.bootstrap)
    plan = compile_query(SQL.replace("FROM trades", f"FROM {args.source}"))
    consumer = TopicConsumer(
        broker.consumer_config,
        args.source,
        group_id=args.group,
        decoder=JsonDecoder(),
        batch_size=2000,
        overrides={"session.timeout.ms": 6000, "heartbeat.interval.ms": 500},
    )

    def die_midway(stats: Counters) -> None:
        # Die only once the group has committed offsets (the loop commits after every batch, but a
        # commit can fail on a busy broker), so the restart has somewhere to resume from.
        if args.kill_after is not None and stats.records_in >= args.kill_after:
            committed = consumer.committed()
            if any(c.offset > 0 for c in committed.values()):
                sys.stderr.write(f"killed after {stats.records_in} records; committed {committed}\n")
                sys.stderr.flush()
                os.kill(os.getpid(), signal.SIGKILL)

    stats = run_query(
        plan,
        KafkaSource(consumer, until_caught_up=True),
        sink=KafkaSink(JsonProducer(broker.client_config), args.sink),
        commit_interval_s=0.0,
        on_progress=die_midway,
    )
    consumer.close()
    sys.stdout.write(f"{stats.records_in}\n")


if __name__ == "__main__":
    main()
