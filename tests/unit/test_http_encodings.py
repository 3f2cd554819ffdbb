"""Content-Encoding variants real servers send, fetched from a loopback server."""
from __future__ import annotations

import gzip
import zlib

import pytest

from smartcheck import http
from tests.support.servers import LoopbackServer, Response

BODY = b'{"token_endpoint": "https://127.0.0.1/token", "pad": "' + b"x" * 5000 + b'"}'


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize("encoding, payload", [
    ("gzip", gzip.compress(BODY)),
    ("gzip", gzip.compress(BODY[:100]) + gzip.compress(BODY[100:])),   # two gzip members (RFC 1952 §2.2)
    ("deflate", zlib.compress(BODY)),                                   # RFC 9110: zlib-wrapped
    ("deflate", _raw_deflate(BODY)),                                    # what many servers send instead
], ids=["gzip", "gzip-two-members", "deflate-zlib", "deflate-raw"])
def test_compressed_bodies_decode_whole(encoding, payload):
    route = Response(200, [("Content-Type", "application/json"), ("Content-Encoding", encoding)], payload)
    with LoopbackServer({"/doc": route}, tls=False) as server:
        exchange = http.fetch(server.url("/doc"), limits=http.Limits(timeout=5))
    assert exchange.failure is None, exchange.summary()
    assert exchange.body == BODY


def test_an_unknown_encoding_is_refused_not_misread():
    route = Response(200, [("Content-Type", "application/json"), ("Content-Encoding", "br")], b"\x0b\x02\x80")
    with LoopbackServer({"/doc": route}, tls=False) as server:
        exchange = http.fetch(server.url("/doc"), limits=http.Limits(timeout=5))
    assert exchange.failure == http.HTTP_ERROR and "unsupported Content-Encoding 'br'" in exchange.detail
