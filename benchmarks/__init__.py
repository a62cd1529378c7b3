"""Benchmarks for `make bench`: each module here has a `run()` that prints its figures."""
