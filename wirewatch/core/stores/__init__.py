"""Stores the CLI and the workers share, each over one Elasticsearch index of the installation:

- :mod:`wirewatch.core.stores.feeds`: monitored feeds and their health (``<prefix>-feeds``), read and written
  by ``wirewatch feeds`` and by every fetcher replica;
- :mod:`wirewatch.core.stores.rules`: saved-search rules (``<prefix>-rules``), written by ``wirewatch rules``
  and read by every alerter replica.

Import the module you need; this package imports nothing, so it costs nothing to name.
"""
