"""The ``wirewatch`` subcommands, one module per group."""
