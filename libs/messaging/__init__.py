"""Events between services: CloudEvents on Kafka, written through an outbox, read through an inbox.

- `envelope`: the CloudEvents 1.0 envelope and its Kafka binary-mode encoding.
- `tables`: the outbox and inbox tables every service adds to its own metadata.
- `unit_of_work`: one transaction holding a state change and the events it causes.
- `relay`: publishes committed outbox rows (several relays may share one table on Postgres).
- `dispatcher`: handles incoming events exactly once in effect, retries, dead-letters poison.
- `kafka`: the aiokafka boundary (publisher, consumer loop, live listener, topic creation).
- `fake`: an in-memory publisher for unit tests.
"""
