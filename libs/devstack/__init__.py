"""Local development and test infrastructure: the bundled Kafka-protocol broker and its storage."""
