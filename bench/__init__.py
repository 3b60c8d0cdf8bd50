"""Benchmarks run by hand (not by the test suite): extraction quality and speed."""
