"""gunicorn for the web process: `gunicorn -c deploy/gunicorn.conf.py config.wsgi` (studio-web.service).

Every value comes from the environment (deploy/studio.env.example). config.wsgi defaults to the
production settings. The app is stateless: run as many of these behind the load balancer as needed.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, for core.metrics_processes
from core.metrics_processes import metrics_directory_prepare, metrics_process_dead  # noqa: E402

# /metrics sums every worker's series (METRICS_MULTIPROC_DIR): the master empties the web's directory
# now, before any worker imports the app, and a worker that exits stops counting in live gauges.
metrics_directory_prepare("web")


def child_exit(server, worker) -> None:
    metrics_process_dead(worker.pid)


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (containers, taskset)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


wsgi_app = "config.wsgi:application"
# nginx on the same host proxies here; bind 0.0.0.0:8000 only when a load balancer talks to gunicorn directly.
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]

# Processes × threads: requests that wait on a class's row lock (everyone accepting the same seat)
# block a thread, not a process. Each thread holds its own database connection (DB_CONN_MAX_AGE):
# this node opens up to workers × threads MySQL connections.
worker_class = "gthread"
workers = _env_int("GUNICORN_WORKERS", 2 * _cores() + 1)
threads = _env_int("GUNICORN_THREADS", 4)

# A request stuck longer than this is killed and its worker restarted. Above MySQL's lock wait
# (deploy/mysql.cnf: 5 s, retried at most 4 times by core.db) and WeChat's timeout (5 s).
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)  # a restart lets requests in flight finish
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)  # below nginx's upstream keepalive_timeout
# Recycle workers now and then (memory growth of long-lived processes); jitter avoids all at once.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10

# X-Forwarded-* are trusted from nginx only (same host by default).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs to stdout/stderr, i.e. the journal. The application's own records are JSON lines
# (LOG_FORMAT=json) with request_id; the access line ends with the same id (the response's
# X-Request-ID, which the middleware sets from nginx's header or generates).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s" forwarded_for="%({x-forwarded-for}i)s" '
    "request_id=%({x-request-id}o)s"
)
proc_name = "studio-web"

# gunicornc's control socket (worker status, graceful reload) lives in the unit's RuntimeDirectory
# (/run/studio-web, exported by systemd as RUNTIME_DIRECTORY); elsewhere none, rather than ~/.gunicorn.
if os.environ.get("RUNTIME_DIRECTORY"):
    control_socket = os.path.join(os.environ["RUNTIME_DIRECTORY"], "gunicorn.ctl")
else:
    control_socket_disable = True
