"""Fetcher: polls feeds (stored in ``<prefix>-feeds``) and produces article pages to ``pages``."""
