"""The hostile corpus reuses the fetcher's and the parser's unit fixtures (real loopback servers, a
short-timeout SafeFetcher, the parse helper) instead of redefining them."""

from tests.unit.fetcher.conftest import fetcher, serve  # noqa: F401 — fixtures, registered by import
from tests.unit.parser.conftest import parse  # noqa: F401
