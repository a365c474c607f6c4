"""Benchmarks: the runner (``python -m bench``), the bare baselines and the store benchmark. Not part of the tests."""
