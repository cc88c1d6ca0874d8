"""Benchmarks for tasks-sse: `make bench` (python -m bench). See bench/__main__.py."""
