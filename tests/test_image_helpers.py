"""Helpers shared by the image tests (no tests here): tiny valid image headers, request shortcuts."""

import json
import os
import struct
import zlib

MULTIMODAL = "/api/v1/services/aigc/multimodal-generation/generation"
IMAGE_GENERATION = "/api/v1/services/aigc/image-generation/generation"
TEXT2IMAGE = "/api/v1/services/aigc/text2image/image-synthesis"
IMAGE2IMAGE = "/api/v1/services/aigc/image2image/image-synthesis"
URL1 = "https://example.com/a.jpg"
URL2 = "https://example.com/b.jpg"


def make_png(path, width=512, height=512, pad=0):
    """A small PNG with the given header size (pixels are not needed by the script)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))
    with open(str(path), "wb") as handle:
        handle.write(data + b"\x00" * pad)
    return str(path)


def make_jpeg(path, width=640, height=480):
    """A JPEG header: SOI, an APP0 segment, then SOF0 with the size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    with open(str(path), "wb") as handle:
        handle.write(b"\xff\xd8" + app0 + sof + b"\xff\xd9")
    return str(path)


def req(**fields):
    return ["--request", json.dumps(fields)]


def body_of(sim, path):
    posts = sim.seen("POST", path)
    assert posts, "no POST to %s; saw %s" % (path, [(r["method"], r["path"]) for r in sim.requests])
    return posts[-1]["json"], posts[-1]["headers"]


def api_requests(sim):
    """Requests to the API or storage (result-file downloads excluded)."""
    return [r for r in sim.requests if not r["path"].startswith("/files/")]


def files_in(folder):
    found = []
    for base, _dirs, names in os.walk(str(folder)):
        found += [os.path.join(base, name) for name in names]
    return sorted(found)


