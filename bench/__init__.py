"""Benchmarks of Pathways against baselines measured in the same run (``make bench``)."""
