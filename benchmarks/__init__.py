"""Benchmarks: each module here has `run() -> None`, printing figures and ratios to a baseline
measured in the same run. `make bench` runs them all; `python -m benchmarks NAME` runs one."""
