"""gunicorn settings for the tool: `gunicorn -c config/gunicorn.conf.py 'lti_tool.app:create_app()'`.

Launch state, nonces and tokens live in the database or Redis, so any number of workers
may serve one launch's login and launch. Settings come from LTI_TOOL_* variables.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# gthread with two threads per worker: keep-alive connections (a sync worker closes each
# connection and lingers until the client has closed its side), and one thread's wait on
# PostgreSQL or Redis overlaps the other's work. More threads only add GIL contention:
# scale with GUNICORN_WORKERS (about one per core) instead. Measured: README, Benchmarks.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
keepalive = 5
timeout = 30
graceful_timeout = 20
# Not preloaded: each worker opens its own database connections after the fork.
preload_app = False
accesslog = os.environ.get("GUNICORN_ACCESSLOG")  # "-" for stdout
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(D)sus'
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
