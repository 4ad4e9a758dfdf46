"""The Kafka layer: brokers (embedded, live, Docker), the JSON producer, the consumer tiers and
datagen, all through confluent-kafka (librdkafka)."""
