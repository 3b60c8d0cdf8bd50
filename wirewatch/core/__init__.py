"""The core every worker and command shares: settings, Kafka and Elasticsearch clients, the batch
runner (``runner``), the agent loop and worker entry (``worker``, ``stageapp``, ``lanes``), dead letters,
metrics, logs, the error tree, the query builder, the charset and date readers, the lazy service facades
and the stores the CLI and the workers share (``stores``)."""
