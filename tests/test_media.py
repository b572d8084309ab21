"""media.inspect on real generated files of every format, broken files, and MP4 layouts (moov last, 64-bit, MOV)."""

import random
import struct

import pytest
from qianwen_common import media
from qianwen_common.media import MediaInfo

from tests import mediafiles


@pytest.mark.parametrize("maker, name, expected", [
    (lambda p: mediafiles.png(p, 320, 200), "a.png", MediaInfo("image", "png", 320, 200, alpha=False)),
    (lambda p: mediafiles.jpeg(p, 100, 60), "a.jpg", MediaInfo("image", "jpeg", 100, 60, alpha=False)),
    (lambda p: mediafiles.webp(p, 33, 44), "a.webp", MediaInfo("image", "webp", 33, 44, alpha=False)),
    (lambda p: mediafiles.webp(p, 1920, 1080, extended=True, alpha=True), "b.webp",
     MediaInfo("image", "webp", 1920, 1080, alpha=True)),
    (lambda p: mediafiles.bmp(p, 30, 20), "a.bmp", MediaInfo("image", "bmp", 30, 20)),
    (lambda p: mediafiles.gif(p, 40, 30), "a.gif", MediaInfo("image", "gif", 40, 30)),
    (lambda p: mediafiles.wav(p, 1.5), "a.wav", MediaInfo("audio", "wav", seconds=1.5)),
    (lambda p: mediafiles.wav(p, 0.25, rate=16000), "b.wav", MediaInfo("audio", "wav", seconds=0.25)),
    (lambda p: mediafiles.mp4(p, 64, 64, 1.0, 10), "a.mp4", MediaInfo("video", "mp4", 64, 64, 1.0, 10.0)),
    (lambda p: mediafiles.mp4(p, 160, 90, 2.0, 24), "b.mp4", MediaInfo("video", "mp4", 160, 90, 2.0, 24.0)),
    (lambda p: mediafiles.mp4(p, 48, 32, 1.0, 25, mov=True), "a.mov", MediaInfo("video", "mov", 48, 32, 1.0, 25.0)),
    (lambda p: mediafiles.mp4(p, 64, 48, 0.5, 30, moov_last=True), "last.mp4",
     MediaInfo("video", "mp4", 64, 48, 0.5, 30.0)),
    (lambda p: mediafiles.mp4(p, 32, 32, 1.0, 10, large_mdat=True, version=1), "v1.mp4",
     MediaInfo("video", "mp4", 32, 32, 1.0, 10.0)),
])
def test_every_format(tmp_path, maker, name, expected):
    path = maker(str(tmp_path / name))
    assert media.inspect(path) == expected


def test_mp3_cbr_xing_and_id3(tmp_path):
    cbr = media.inspect(mediafiles.mp3(str(tmp_path / "a.mp3"), 2.0))
    assert cbr.kind == "audio" and cbr.format == "mp3" and cbr.seconds == pytest.approx(2.0, abs=0.03)
    xing = media.inspect(mediafiles.mp3(str(tmp_path / "b.mp3"), 3.0, xing=True, id3=True))
    assert xing.format == "mp3" and xing.seconds == pytest.approx(3.0, abs=0.03)


def test_tiff_kind_only(tmp_path):
    path = tmp_path / "a.tif"
    path.write_bytes(b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64)
    assert media.inspect(str(path)) == MediaInfo("image", "tiff")


def test_png_alpha_from_colour_type_and_trns(tmp_path):
    data = bytearray(mediafiles.png_bytes(8, 8))
    data[25] = 6  # RGBA colour type (CRC not checked by a header reader)
    (tmp_path / "rgba.png").write_bytes(bytes(data))
    assert media.inspect(str(tmp_path / "rgba.png")).alpha is True
    plain = mediafiles.png_bytes(8, 8)
    trns = mediafiles._png_chunk(b"tRNS", b"\x00\x00\x00\x00\x00\x00")
    (tmp_path / "trns.png").write_bytes(plain[:33] + trns + plain[33:])
    assert media.inspect(str(tmp_path / "trns.png")).alpha is True


def test_odd_sizes_are_cropped_in_the_stream(tmp_path):
    info = media.inspect(mediafiles.mp4(str(tmp_path / "c.mp4"), 100, 58, 1.0, 12.5))
    assert (info.width, info.height, info.fps) == (100, 58, 12.5)


def test_moov_after_a_huge_mdat_is_found_by_seeking(tmp_path):
    """A 6 GB mdat (sparse file, 64-bit size) before moov: inspect seeks past it instead of reading it."""
    small = mediafiles.mp4_bytes(64, 64, 1.0, 10, moov_last=True)
    ftyp_len = struct.unpack(">I", small[:4])[0]
    mdat_len = struct.unpack(">I", small[ftyp_len:ftyp_len + 4])[0]
    moov = small[ftyp_len + mdat_len:]
    big = 6 * 1024 ** 3
    path = tmp_path / "huge.mp4"
    with open(str(path), "wb") as handle:
        handle.write(small[:ftyp_len] + struct.pack(">I4sQ", 1, b"mdat", big))
        handle.seek(ftyp_len + big)
        handle.write(moov)
    info = media.inspect(str(path))
    assert (info.format, info.width, info.height, info.seconds, info.fps) == ("mp4", 64, 64, 1.0, 10.0)


@pytest.mark.parametrize("name", ["a.png", "a.jpg", "a.webp", "a.bmp", "a.gif", "a.wav", "a.mp3", "a.mp4",
                                  "last.mp4"])
def test_truncated_files_never_raise(tmp_path, name):
    makers = {"a.png": lambda p: mediafiles.png(p, 64, 64), "a.jpg": lambda p: mediafiles.jpeg(p, 64, 64),
              "a.webp": lambda p: mediafiles.webp(p, 64, 64, extended=True), "a.bmp": lambda p: mediafiles.bmp(p, 8, 8),
              "a.gif": lambda p: mediafiles.gif(p, 8, 8), "a.wav": lambda p: mediafiles.wav(p, 0.1),
              "a.mp3": lambda p: mediafiles.mp3(p, 0.5), "a.mp4": lambda p: mediafiles.mp4(p, 32, 32, 1.0, 10),
              "last.mp4": lambda p: mediafiles.mp4(p, 32, 32, 1.0, 10, moov_last=True)}
    data = open(makers[name](str(tmp_path / name)), "rb").read()
    for length in sorted({0, 1, 4, 8, 12, 16, 24, 30, 40, 64, len(data) // 2, len(data) - 1}):
        cut = tmp_path / ("cut_%d_%s" % (length, name))
        cut.write_bytes(data[:length])
        result = media.inspect(str(cut))
        assert result is None or isinstance(result, MediaInfo)
        if length < 12:
            assert result is None, (length, result)
    cut = tmp_path / "mid_moov.mp4"
    if name.endswith(".mp4"):  # moov cut in half: nothing trustworthy to say
        index = data.find(b"moov")
        cut.write_bytes(data[:index + 40] if name == "a.mp4" else data[:len(data) - 40])
        assert media.inspect(str(cut)) is None


@pytest.mark.parametrize("content", [
    b"", b"hello world, this is a text file and no media at all\n" * 3,
    b"RIFF\x10\x00\x00\x00AVI LIST" + b"\x00" * 40,
    b"\x00\x00\x00\x18ftypmp42" + b"\xff" * 20,  # box sizes that overrun the file
    b"\xff\xd8\xff\xe0\x00\x01" + b"\x00" * 40,  # JPEG segment length < 2
    b"\xff\xfb\x90" + b"\x00" * 10,  # an MP3 sync without a following frame
    bytes(random.Random(7).getrandbits(8) for _ in range(5000)),
])
def test_garbage_is_none(tmp_path, content):
    path = tmp_path / "x.bin"
    path.write_bytes(content)
    assert media.inspect(str(path)) is None


def test_missing_file_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        media.inspect(str(tmp_path / "nope.png"))


def test_kind_of_extension():
    assert media.kind_of_extension("/a/B.JPG") == "image"
    assert media.kind_of_extension("clip.mov") == "video"
    assert media.kind_of_extension("voice.mp3") == "audio"
    assert media.kind_of_extension("notes.txt") is None
    assert media.kind_of_extension("noext") is None


def test_simulator_serves_real_padded_media(sim, tmp_path):
    """storage: sized PNG names, the default 256x256, the MP4, padding to sim.result_bytes, Range resume."""
    from qianwen_common import files
    path, size = files.download(sim.result_url("ab12/1_1280x720.png"), str(tmp_path / "a.png"))
    assert media.inspect(path) == MediaInfo("image", "png", 1280, 720, alpha=False)
    assert size == max(sim.result_bytes, len(mediafiles.png_bytes(1280, 720)))
    path, size = files.download(sim.result_url("ab12/plain.png"), str(tmp_path / "b.png"))
    assert size == sim.result_bytes and media.inspect(path).width == 256
    _check_png_chunks(open(path, "rb").read())
    sim.result_bytes = 2 * 1024 * 1024 + 5
    sim.inject("/files/", drop_after=1024 * 1024 + 3)
    path, size = files.download(sim.result_url("ab12/v.mp4"), str(tmp_path / "v.mp4"))
    assert size == sim.result_bytes == len(open(path, "rb").read())
    assert media.inspect(path) == MediaInfo("video", "mp4", 64, 64, 1.0, 10.0)
    assert open(path, "rb").read().startswith(mediafiles.mp4_bytes())


def _check_png_chunks(data):
    """Every chunk's CRC is right and IEND is last (so strict decoders accept the padding)."""
    import zlib
    position, kinds = 8, []
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 4:position + 8 + length]
        assert struct.unpack(">I", data[position + 8 + length:position + 12 + length])[0] == zlib.crc32(body)
        kinds.append(kind)
        position += 12 + length
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and position == len(data)
