"""Benchmarks: `python -m bench [--only GROUP]` prints one `name: value unit` line per figure."""
