"""gunicorn settings for `make serve` and production (see deploy/ for more)."""

import multiprocessing
import os

bind = os.environ.get("ALLABOUTME_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("ALLABOUTME_WORKERS", max(2, multiprocessing.cpu_count())))
worker_class = "gthread"
threads = int(os.environ.get("ALLABOUTME_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 20000  # recycle workers now and then; rarely enough not to cost
max_requests_jitter = 2000
forwarded_allow_ips = os.environ.get("ALLABOUTME_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = None  # the app writes its own structured access log without personal data
errorlog = "-"
control_socket_disable = True

WORKER_READY_MESSAGE = "Worker ready (pid: %s)"


def post_worker_init(worker):
    """Say when a worker has loaded the app and takes requests (booting is only the start)."""
    worker.log.info(WORKER_READY_MESSAGE, worker.pid)
