"""Benchmarks and drills run by hand from the checkout (see ``bench/README.md``), and the helpers the tests share."""
