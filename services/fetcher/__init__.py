"""Fetcher: polls feeds (stored in ``<prefix>-feeds``) and produces article pages to ``pages``.

The faust-free logic lives in the modules re-exported here; ``app.py``/``agents.py`` wire it to Kafka.
Reading order: ``urls`` → ``http`` (with ``addresses``, ``bodies``, ``charset``, ``softblock``) →
``feedparsing`` (with ``xmlsafe`` and one reader per format) → ``politeness`` (with ``robots``) →
``schedule``; ``errors`` is the tree of exceptions they all raise.
"""
