"""The core every worker and command shares: settings, Kafka and Elasticsearch clients, the batch
runner, the worker loop, metrics, logs and errors."""
