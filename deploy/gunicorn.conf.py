"""gunicorn settings for the web container: ``gunicorn --config deploy/gunicorn.conf.py config.wsgi``.

Every value can be overridden from the environment. TLS ends at the load balancer; gunicorn trusts
its ``X-Forwarded-Proto`` (FORWARDED_ALLOW_IPS) so Django sees https requests as secure.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# In a container the CPU count is the node's, not the limit's: set WEB_CONCURRENCY to the CPU limit × 2 + 1.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then so that a slow leak never grows without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
# Heartbeat files in memory, not on the container's (possibly read-only) disk.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm")  # noqa: S108 - tmpfs, not a shared temp file
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%({host}i)s" "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


def post_worker_init(worker):
    """Once the worker has loaded the project: the objects made so far (modules, settings, URL
    patterns, templates) live as long as the process, so the garbage collector stops scanning them
    (``gc.freeze``). Without this, each full collection walks every one of them, tens of
    milliseconds, in whichever request happens to trigger it: a request that builds a thousand
    store rows (the HQ dashboard) triggers them often."""
    from config.runtime import freeze_loaded_objects

    freeze_loaded_objects()
