"""The pipeline's workers, one package per stage (``fetcher``, ``parser``, ``extractor``, ``indexer``, ``alerter``).

Imported as ``wirewatch.services``. Each package's ``__init__`` is a lazy facade of what the CLI and ops may use,
its ``app.py`` the faust worker declared from its ``STAGES`` entry; services never import each other.
"""
