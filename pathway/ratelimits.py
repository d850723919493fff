"""Rate limits on what anonymous clients can make the server do, with django-ratelimit.

Starting assessments (each is kept for the retention period), posting answers (each change is
kept), drawing PDFs (a second of CPU each) and signing in to the admin (a slow password hash)
are limited per client address, and answers also per assessment. The limits are settings
(`RATE_LIMITS`), read on every request.

The counters live in the database (`SharedCounterCache`), shared by every worker and every app
server as the answers are; no cache server is needed.
"""

from __future__ import annotations

import ipaddress
import time
from functools import wraps

from django.conf import settings
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.http import HttpResponse
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind PROXY_COUNT proxies (each appending to
    X-Forwarded-For) the address the outermost proxy saw. Entries further left are the
    client's own to write, so they are never trusted."""
    remote = request.META.get("REMOTE_ADDR", "")  # not a header: the socket's peer
    count = settings.PROXY_COUNT
    if count:
        forwarded = [
            part.strip()
            for part in request.headers.get("X-Forwarded-For", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            try:
                return str(ipaddress.ip_address(forwarded[-count]))
            except ValueError:
                pass
    return remote


def assessment_key(group: str, request) -> str:
    return str(request.resolver_match.kwargs.get("pk", ""))


# A client already refused is refused again without counting for a few seconds, in each
# process: counting is a database write, and a client looping on a refusal would otherwise cost
# one per request. Bounded: the memory is dropped whole when it fills.
REMEMBER_REFUSED_SECONDS = 5.0
REMEMBER_AT_MOST = 10_000
_refused: dict[tuple[str, str], float] = {}


def limit(group: str, *, per: str = "ip", method: str = "POST"):
    """Refuse (429, see `refused`) once a client address, or one assessment, is over the rate
    `RATE_LIMITS[group]` (or `RATE_LIMITS[group + "_per_assessment"]`)."""
    name = group if per == "ip" else f"{group}_per_{per}"
    key = assessment_key if per == "assessment" else "ip"

    def rate(_group, request):
        return settings.RATE_LIMITS.get(name)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == method and settings.RATELIMIT_ENABLE:
                who = (
                    name,
                    assessment_key(name, request) if per == "assessment" else client_ip(request),
                )
                now = time.monotonic()
                if _refused.get(who, 0) > now:
                    raise Ratelimited
                if is_ratelimited(
                    request, group=name, key=key, rate=rate, method=method, increment=True
                ):
                    if len(_refused) >= REMEMBER_AT_MOST:
                        _refused.clear()
                    _refused[who] = now + REMEMBER_REFUSED_SECONDS
                    raise Ratelimited
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def refused(request, exception) -> HttpResponse:
    """RATELIMIT_VIEW: what a client over its limit gets."""
    response = HttpResponse(
        "Too many requests from here just now: wait a minute, then try again.",
        content_type="text/plain",
        status=429,
    )
    response["Retry-After"] = "60"
    return response


class SharedCounterCache(DatabaseCache):
    """Django's database cache, with an atomic `incr` (django-ratelimit counts with it).

    Django's `incr` reads and then writes; here both happen in one transaction with the row
    locked (PostgreSQL) or the database's write lock held (SQLite's IMMEDIATE transactions),
    so two workers counting at once never lose a count.
    """

    def incr(self, key, delta=1, version=None):
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        with transaction.atomic(using=db):
            if connection.features.has_select_for_update:
                table = connection.ops.quote_name(self._table)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE",  # noqa: S608
                        [self.make_and_validate_key(key, version=version)],
                    )
            return super().incr(key, delta, version)
