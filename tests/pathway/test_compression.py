"""HTML compressed quickly, with Django's protections kept (pathway.compression)."""

import gzip

from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from pathway.compression import QuickGZipMiddleware, compress

PAGE = ("<p>" + "An examination row with its grades. " * 2000 + "</p>").encode()


def test_what_is_compressed_decompresses_to_the_page():
    assert gzip.decompress(compress(PAGE, max_random_bytes=100)) == PAGE


def test_its_size_varies_from_response_to_response_so_it_reveals_no_secret():
    sizes = {len(compress(PAGE, max_random_bytes=100)) for _ in range(50)}
    assert len(sizes) > 10  # a random-length file name in the gzip header (BREACH)


def middleware(response, accept="gzip, deflate, br"):
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING=accept)
    return QuickGZipMiddleware(lambda request: response)(request)


def test_a_page_is_compressed_for_a_browser_that_accepts_it_and_its_etag_made_weak():
    response = HttpResponse(PAGE, headers={"ETag": '"v1"'})
    compressed = middleware(response)
    assert compressed["Content-Encoding"] == "gzip"
    assert compressed["Vary"] == "Accept-Encoding"
    assert compressed["ETag"] == 'W/"v1"'
    assert int(compressed["Content-Length"]) == len(compressed.content) < len(PAGE) / 10
    assert gzip.decompress(compressed.content) == PAGE


def test_it_leaves_alone_what_it_should():
    plain = middleware(HttpResponse(PAGE), accept="identity")
    assert plain.content == PAGE and "Content-Encoding" not in plain
    assert plain["Vary"] == "Accept-Encoding"
    short = middleware(HttpResponse(b"ok"))
    assert short.content == b"ok" and "Content-Encoding" not in short
    encoded = middleware(HttpResponse(PAGE, headers={"Content-Encoding": "br"}))
    assert encoded.content == PAGE
    streamed = middleware(StreamingHttpResponse(iter([PAGE])))
    assert streamed["Content-Encoding"] == "gzip"  # Django's own streaming path
    assert gzip.decompress(b"".join(streamed.streaming_content)) == PAGE
