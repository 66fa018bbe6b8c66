"""Benchmarks: each ``bench_*.py`` module has ``run() -> dict[str, float]`` of named figures."""
