"""HTML compressed for the browser, quickly.

Django's `gzip_page` compresses at level 6: on the examination page (60 KB of HTML) that is
0.8 ms, as long as the rest of the request. Level 1 is 0.3 ms and 2 KB larger (11 KB instead of
9 KB), the trade web servers make by default. Everything else is Django's: the checks, `Vary`,
the weak ETag, and the random-length file name in the gzip header that keeps the compressed
size from revealing a secret in the page (BREACH)."""

from __future__ import annotations

import gzip
import secrets

from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.utils.cache import patch_vary_headers
from django.utils.decorators import decorator_from_middleware

LEVEL = 1


def compress(data: bytes, *, max_random_bytes: int) -> bytes:
    """gzip at LEVEL, with a file name of 0 to max_random_bytes - 1 bytes in its header."""
    compressed = memoryview(gzip.compress(data, compresslevel=LEVEL, mtime=0))
    header = bytearray(compressed[:10])
    header[3] = gzip.FNAME
    name = b"a" * secrets.randbelow(max_random_bytes) + b"\x00"
    return bytes(header) + name + compressed[10:]


class QuickGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if response.streaming:
            return super().process_response(request, response)
        if len(response.content) < 200 or response.has_header("Content-Encoding"):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if not re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        compressed = compress(response.content, max_random_bytes=self.max_random_bytes)
        if len(compressed) >= len(response.content):
            return response
        response.content = compressed
        response.headers["Content-Length"] = str(len(compressed))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response


gzip_page = decorator_from_middleware(QuickGZipMiddleware)
