"""Read a local image's type and pixel size from its first bytes (no third-party imaging library)."""

import struct

EXTENSION_KIND = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "bmp": "bmp", "webp": "webp",
                  "gif": "gif", "tif": "tiff", "tiff": "tiff"}


def probe(path):
    """(kind, width, height); kind None when the bytes are no known image; sizes None when unread."""
    with open(path, "rb") as handle:
        head = handle.read(32)
        if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24:
            width, height = struct.unpack(">II", head[16:24])
            return "png", width, height
        if head[:6] in (b"GIF87a", b"GIF89a"):
            width, height = struct.unpack("<HH", head[6:10])
            return "gif", width, height
        if head.startswith(b"BM") and len(head) >= 26:
            width, height = struct.unpack("<ii", head[18:26])
            return "bmp", abs(width), abs(height)
        if head[:4] in (b"II*\x00", b"MM\x00*"):
            return "tiff", None, None
        if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
            return ("webp",) + _webp_size(head + handle.read(16))
        if head.startswith(b"\xff\xd8"):
            handle.seek(2)
            return ("jpeg",) + _jpeg_size(handle)
    return None, None, None


def _webp_size(data):
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None, None


def _jpeg_size(handle):
    """Walk the JPEG markers to the first start-of-frame; (None, None) when not found."""
    while True:
        byte = handle.read(1)
        while byte == b"\xff":
            byte = handle.read(1)
        if not byte:
            return None, None
        marker = byte[0]
        if marker in (0x01,) or 0xD0 <= marker <= 0xD9:
            continue
        length_bytes = handle.read(2)
        if len(length_bytes) < 2:
            return None, None
        length = struct.unpack(">H", length_bytes)[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            data = handle.read(5)
            if len(data) < 5:
                return None, None
            height, width = struct.unpack(">HH", data[1:5])
            return width, height
        handle.seek(length - 2, 1)
