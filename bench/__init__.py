"""Benchmarks (`make bench`): speed and memory are shown here, never by timed tests."""
