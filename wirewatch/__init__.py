"""Wirewatch: news feeds fetched, parsed, enriched with entities, indexed in Elasticsearch and alerted on.

Layers point one way: :mod:`wirewatch.schemas` (the messages, ``TOPICS`` and ``STAGES``) ← :mod:`wirewatch.core`
(settings, Kafka, Elasticsearch, the batch runner, shared stores) ← :mod:`wirewatch.services` (one package per
stage) ← :mod:`wirewatch.ops` and :mod:`wirewatch.cli` (the ``wirewatch`` command). ``tests/contract/test_layers.py``
keeps it so. Importing this package imports nothing else.
"""
