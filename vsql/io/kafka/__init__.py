"""The Kafka layer: brokers (embedded, live, Docker), the JSON producer, the consumer tiers and
datagen, all through confluent-kafka (librdkafka)."""

from vsql.io.kafka.admin import TopicInfo
from vsql.io.kafka.brokers import Broker, EmbeddedBroker, LiveBroker, TestcontainersBroker, open_broker
from vsql.io.kafka.consumer import TopicConsumer
from vsql.io.kafka.errors import BrokerError, TopicNotFoundError
from vsql.io.kafka.producer import JsonProducer

__all__ = [
    "Broker",
    "BrokerError",
    "EmbeddedBroker",
    "JsonProducer",
    "LiveBroker",
    "TestcontainersBroker",
    "TopicConsumer",
    "TopicInfo",
    "TopicNotFoundError",
    "open_broker",
]
