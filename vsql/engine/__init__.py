"""The vsql engine: streaming SQL over Arrow record batches. It knows nothing of Kafka or terminals."""
