"""Local media inspection from headers only: type, pixel size, duration and frame rate (no third-party library)."""

from __future__ import annotations

import os
import struct

from .records import dataclass

EXTENSION_KIND = {"png": "image", "jpg": "image", "jpeg": "image", "webp": "image", "bmp": "image",
                  "gif": "image", "tif": "image", "tiff": "image", "mp4": "video", "mov": "video",
                  "m4v": "video", "wav": "audio", "mp3": "audio"}
# Reading whole sample tables of a long variable-frame-rate video is not worth it for an fps figure.
MAX_STTS_BYTES = 8 * 1024 * 1024
MP3_SEARCH = 4096


@dataclass(frozen=True)
class MediaInfo:
    """What the header says; a field the header does not tell is None."""

    kind: str  # "image", "video" or "audio"
    format: str  # png jpeg webp bmp gif tiff mp4 mov wav mp3
    width: int | None = None
    height: int | None = None
    seconds: float | None = None
    fps: float | None = None
    alpha: bool | None = None


def kind_of_extension(path) -> str | None:
    """"image", "video" or "audio" from the file name's extension; None when unknown."""
    return EXTENSION_KIND.get(os.path.splitext(str(path))[1].lower().lstrip("."))


def inspect(path) -> MediaInfo | None:
    """MediaInfo from the file's headers; None when the format is unknown or unreadable. OSError if it cannot open."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        try:
            head = handle.read(64)
            for parser in (_image, _riff, _mp3, _bmff):
                info = parser(handle, head, size)
                if info is not None:
                    return info
        except (OSError, ValueError, struct.error, IndexError, OverflowError):
            return None
    return None


def _image(handle, head, size):
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(handle, head)
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 13:
        width, height = struct.unpack("<HH", head[6:10])
        return _sized("image", "gif", width, height)
    if head.startswith(b"BM") and len(head) >= 26:
        if struct.unpack("<I", head[14:18])[0] == 12:  # OS/2 BITMAPCOREHEADER: 16-bit sizes
            width, height = struct.unpack("<HH", head[18:22])
        else:
            width, height = struct.unpack("<ii", head[18:26])
        return _sized("image", "bmp", abs(width), abs(height))
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return MediaInfo("image", "tiff")
    if head.startswith(b"\xff\xd8\xff"):
        handle.seek(2)
        return _jpeg(handle)
    return None


def _sized(kind, fmt, width, height, alpha=None):
    if width <= 0 or height <= 0:
        return None
    return MediaInfo(kind, fmt, width, height, alpha=alpha)


def _png(handle, head):
    """IHDR gives size and colour type; a tRNS chunk before IDAT also means transparency."""
    if len(head) < 29 or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    alpha = head[25] in (4, 6)
    position = 33
    while not alpha:
        handle.seek(position)
        chunk = handle.read(8)
        if len(chunk) < 8 or chunk[4:8] in (b"IDAT", b"IEND"):
            break
        alpha = chunk[4:8] == b"tRNS"
        position += 12 + struct.unpack(">I", chunk[:4])[0]
    return _sized("image", "png", width, height, alpha)


def _jpeg(handle):
    """Walk the markers to the first start-of-frame (SOF0..SOF15 minus DHT, JPG and DAC)."""
    while True:
        byte = handle.read(1)
        if byte != b"\xff":
            return None
        while byte == b"\xff":
            byte = handle.read(1)
        if not byte:
            return None
        marker = byte[0]
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:
            continue
        length_bytes = handle.read(2)
        if len(length_bytes) < 2 or marker in (0xD9, 0xDA):
            return None
        length = struct.unpack(">H", length_bytes)[0]
        if length < 2:
            return None
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            data = handle.read(5)
            if len(data) < 5:
                return None
            height, width = struct.unpack(">HH", data[1:5])
            return _sized("image", "jpeg", width, height, False)
        handle.seek(length - 2, 1)


def _riff(handle, head, size):
    if not head.startswith(b"RIFF") or len(head) < 16:
        return None
    if head[8:12] == b"WEBP":
        return _webp(head)
    if head[8:12] == b"WAVE":
        return _wav(handle, size)
    return None


def _webp(data):
    """Container spec "WebP Container Specification": VP8 (lossy), VP8L (lossless), VP8X (extended)."""
    chunk = data[12:16]
    if len(data) < (25 if chunk == b"VP8L" else 30):
        return None
    if chunk == b"VP8X":
        flags = data[20]
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return _sized("image", "webp", width, height, bool(flags & 0x10))
    if chunk == b"VP8L" and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return _sized("image", "webp", 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF), bool(bits >> 28 & 1))
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return _sized("image", "webp", width & 0x3FFF, height & 0x3FFF, False)
    return None


def _wav(handle, size):
    """RIFF chunks: 'fmt ' gives the byte rate, 'data' the sample bytes (clamped to what the file holds)."""
    position, byte_rate = 12, None
    while position + 8 <= size:
        handle.seek(position)
        chunk_id, length = struct.unpack("<4sI", handle.read(8))
        if chunk_id == b"fmt ":
            fmt = handle.read(16)
            if len(fmt) < 16:
                return None
            byte_rate = struct.unpack("<I", fmt[8:12])[0]
        elif chunk_id == b"data":
            if not byte_rate:
                return None
            available = min(length, size - position - 8)
            return MediaInfo("audio", "wav", seconds=available / float(byte_rate))
        position += 8 + length + (length & 1)
    return None


# "MPEG Audio Frame Header": layer III bitrates (kbit/s) and sample rates by version bits.
MP3_BITRATES = {1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
                2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)}
MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mp3_header(data):
    """(bitrate bit/s, sample rate, frame bytes, samples per frame, mono, mpeg1) or None."""
    if len(data) < 4 or data[0] != 0xFF or data[1] & 0xE0 != 0xE0:
        return None
    version, layer = (data[1] >> 3) & 3, (data[1] >> 1) & 3
    rate_index, bitrate_index = (data[2] >> 2) & 3, data[2] >> 4
    if version == 1 or layer != 1 or rate_index == 3 or bitrate_index in (0, 15):
        return None
    mpeg1 = version == 3
    bitrate = MP3_BITRATES[1 if mpeg1 else 2][bitrate_index] * 1000
    rate = MP3_RATES[version][rate_index]
    samples = 1152 if mpeg1 else 576
    length = samples // 8 * bitrate // rate + ((data[2] >> 1) & 1)
    return bitrate, rate, length, samples, (data[3] >> 6) == 3, mpeg1


def _mp3(handle, head, size):
    """Skip ID3v2, find a frame header confirmed by the next one, then Xing/Info/VBRI or a CBR estimate."""
    start = 0
    if head.startswith(b"ID3") and len(head) >= 10:
        start = 10 + ((head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F))
        start += 10 if head[5] & 0x10 else 0
    elif not head.startswith(b"\xff"):
        return None
    handle.seek(start)
    window = handle.read(MP3_SEARCH)
    for offset in range(max(0, len(window) - 3)):
        frame = _mp3_header(window[offset:offset + 4])
        if frame is None:
            continue
        handle.seek(start + offset)
        data = handle.read(frame[2] + 4)
        after = data[frame[2]:frame[2] + 4]
        if len(data) < frame[2] or (len(after) == 4 and _mp3_header(after) is None):
            continue  # a whole frame, then another header or the end of the file
        if len(after) < 4 and start + offset + frame[2] < size:
            continue
        return _mp3_info(handle, data, frame, start + offset, size)
    return None


def _mp3_info(handle, data, frame, audio_start, size):
    bitrate, rate, _length, samples, mono, mpeg1 = frame
    side = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    xing = data[4 + side:4 + side + 12]
    if xing[:4] in (b"Xing", b"Info") and struct.unpack(">I", xing[4:8])[0] & 1:
        return MediaInfo("audio", "mp3", seconds=struct.unpack(">I", xing[8:12])[0] * samples / float(rate))
    vbri = data[36:54]
    if vbri[:4] == b"VBRI":
        return MediaInfo("audio", "mp3", seconds=struct.unpack(">I", vbri[14:18])[0] * samples / float(rate))
    end = size
    handle.seek(max(0, size - 128))
    if handle.read(3) == b"TAG":
        end -= 128
    return MediaInfo("audio", "mp3", seconds=(end - audio_start) * 8 / float(bitrate))


def _boxes(handle, start, end):
    """(type, payload start, payload end) of each ISO BMFF box in [start, end); 64-bit and to-end sizes."""
    position = start
    while position + 8 <= end:
        handle.seek(position)
        size, kind = struct.unpack(">I4s", handle.read(8))
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", handle.read(8))[0], 16
        elif size == 0:
            size = end - position
        if size < header or position + size > end:
            raise ValueError("box %r overruns its parent" % kind)
        yield kind, position + header, position + size
        position += size


def _read(handle, start, end, limit=256):
    handle.seek(start)
    return handle.read(min(end - start, limit))


def _bmff(handle, head, size):
    """ISO/IEC 14496-12 (MP4) and QuickTime (MOV): moov/mvhd, the 'vide' trak's tkhd, mdhd and stts."""
    if head[4:8] not in (b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"):
        return None
    fmt = "mp4"
    for kind, start, end in _boxes(handle, 0, size):
        if kind == b"ftyp":
            fmt = "mov" if _read(handle, start, end, 4) == b"qt  " else "mp4"
        elif kind == b"moov":
            return _moov(handle, start, end, fmt)
    return None


def _moov(handle, start, end, fmt):
    seconds, video = None, None
    for kind, box_start, box_end in _boxes(handle, start, end):
        if kind == b"mvhd":
            timescale, duration = _time_header(_read(handle, box_start, box_end))
            seconds = duration / float(timescale) if timescale else None
        elif kind == b"trak" and video is None:
            video = _video_track(handle, box_start, box_end)
    width, height, fps = video or (None, None, None)
    if seconds is None and video is None:
        return None
    return MediaInfo("video", fmt, width, height, seconds, fps)


def _time_header(data):
    """(timescale, duration) of an mvhd or mdhd payload, version 0 (32-bit) or 1 (64-bit times)."""
    if data[0] == 1:
        return struct.unpack(">IQ", data[20:32])
    return struct.unpack(">II", data[12:20])


def _video_track(handle, start, end):
    """(width, height, fps) when this trak's handler is 'vide', else None."""
    width = height = handler = timescale = duration = samples = None
    for kind, box_start, box_end in _boxes(handle, start, end):
        if kind == b"tkhd":
            data = _read(handle, box_start, box_end)
            offset = 88 if data[0] == 1 else 76
            width, height = (value >> 16 for value in struct.unpack(">II", data[offset:offset + 8]))
        elif kind == b"mdia":
            for sub, sub_start, sub_end in _boxes(handle, box_start, box_end):
                if sub == b"mdhd":
                    timescale, duration = _time_header(_read(handle, sub_start, sub_end))
                elif sub == b"hdlr":
                    handler = _read(handle, sub_start, sub_end)[8:12]
                elif sub == b"minf":
                    samples = _sample_count(handle, sub_start, sub_end)
    if handler != b"vide":
        return None
    fps = None
    if samples and timescale and duration:
        fps = round(samples * float(timescale) / duration, 3)
    return width or None, height or None, fps


def _sample_count(handle, start, end):
    """Sum of the sample counts in minf/stbl/stts."""
    for kind, box_start, box_end in _boxes(handle, start, end):
        if kind != b"stbl":
            continue
        for sub, sub_start, sub_end in _boxes(handle, box_start, box_end):
            if sub == b"stts" and sub_end - sub_start <= MAX_STTS_BYTES:
                data = _read(handle, sub_start, sub_end, MAX_STTS_BYTES)
                count = struct.unpack(">I", data[4:8])[0]
                entries = struct.unpack(">%dI" % (2 * count), data[8:8 + 8 * count])
                return sum(entries[0::2])
    return None
