"""``python -m bench.run``: throughput and latency of the service against its own baseline.

Nothing here is imported by the application or the tests. See ``bench/README.md``.
"""
