"""Benchmarks that print figures against a baseline measured in the same run (no assertions).

python -m bench runs them all; python -m bench.<name> one: as_of, propagation, rebuild.
"""
