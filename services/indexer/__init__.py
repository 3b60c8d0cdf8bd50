"""Indexer: reads ``articles.enriched``, writes Elasticsearch, reports searchable ids on ``articles.indexed``."""
