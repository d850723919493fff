"""gunicorn settings for `make serve` (read from the working directory); see README, Production.

Threads, not one request per process: a slow client holds one thread of one worker, never a
whole worker, and gthread hands a connection that sends nothing for a few seconds back to its
poller. The limits below bound what any one request can hold. A reverse proxy in front
(README) still buffers slow clients and terminates TLS; these settings are the second line.
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("THREADS", "8"))
# Connections a worker keeps open at once (in flight and kept alive); beyond it, new ones wait.
worker_connections = 200
# A request still running after this many seconds is a stuck worker: it is restarted.
timeout = 30
graceful_timeout = 30
keepalive = 5
# Request size limits: a request line, each header and the number of headers.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
# Workers are recycled now and then, so nothing a long-lived process holds can pile up.
max_requests = 5000
max_requests_jitter = 500

accesslog = "-"
# No Referer or User-Agent; the request line's assessment id is masked by the logger class.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms'
logger_class = "pathway.log_masking.MaskingGunicornLogger"
# gunicorn's control socket is one path per user: a second server on the machine (make load,
# the tests) would take it over. Nothing here uses it.
control_socket_disable = True
