"""Real small media files for tests and the simulator: PNG, JPEG, WebP, BMP, GIF, WAV, MP3, MP4/MOV (H.264).

Each `name(path, ...)` writes the file and returns the path; `*_bytes(...)` return the bytes.
"""

import functools
import math
import struct
import zlib


def _write(path, data):
    with open(str(path), "wb") as handle:
        handle.write(data)
    return str(path)


# ---- PNG ---------------------------------------------------------------------------------------

def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@functools.lru_cache(maxsize=32)
def png_bytes(width, height):
    """An RGB gradient (red across, green down); rows Up-filtered so big sizes stay small and fast."""
    red = bytes(x * 255 // max(1, width - 1) for x in range(width))
    first = b"\x00" + bytes(v for r in red for v in (r, 0, 160))
    rows = [first]
    previous_green = 0
    for y in range(1, height):
        green = y * 255 // max(1, height - 1)
        step = green - previous_green
        previous_green = green
        rows.append(b"\x02" + bytes((0, step, 0)) * width)
    raw = b"".join(rows)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(raw, 9))
            + _png_chunk(b"IEND", b""))


def png(path, width, height):
    return _write(path, png_bytes(width, height))


# ---- JPEG: a real baseline file whose 8x8 blocks are flat (DC only), standard Huffman tables ---

# ITU-T T.81 Annex K.3: DC code lengths per category and the AC end-of-block code.
DC_LUMA_BITS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
DC_CHROMA_BITS = (0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0)
AC_LUMA_BITS = (0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D)
AC_CHROMA_BITS = (0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77)
AC_LUMA_VALUES = bytes.fromhex(
    "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435"
    "363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798"
    "999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4"
    "f5f6f7f8f9fa")
AC_CHROMA_VALUES = bytes.fromhex(
    "000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a26272829"
    "2a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495"
    "969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3"
    "f4f5f6f7f8f9fa")


def _huffman_codes(bits):
    """Canonical codes (T.81 Annex C) for symbols 0..n in order: (code, length) per symbol."""
    codes, code = [], 0
    for length, count in enumerate(bits, 1):
        for _ in range(count):
            codes.append((code, length))
            code += 1
        code <<= 1
    return codes


def _dht(table_class, table_id, bits, values):
    body = bytes([table_class << 4 | table_id]) + bytes(bits) + values
    return b"\xff\xc4" + struct.pack(">H", 2 + len(body)) + body


class _Bits:
    """MSB-first bit writer."""

    def __init__(self):
        self.value, self.count = 0, 0

    def put(self, value, length):
        self.value = self.value << length | (value & ((1 << length) - 1))
        self.count += length

    def ue(self, value):
        code = value + 1
        self.put(code, 2 * code.bit_length() - 1)

    def se(self, value):
        self.ue(2 * value - 1 if value > 0 else -2 * value)

    def align(self, fill=0):
        while self.count % 8:
            self.put(fill, 1)

    def tobytes(self):
        return self.value.to_bytes(self.count // 8, "big") if self.count else b""


def jpeg_bytes(width, height):
    """A decodable 4:4:4 YCbCr baseline JPEG: a colour gradient in 8x8 flat blocks."""
    dc_luma = _huffman_codes(DC_LUMA_BITS)
    dc_chroma = _huffman_codes(DC_CHROMA_BITS)
    bits, previous = _Bits(), [0, 0, 0]
    blocks_x, blocks_y = (width + 7) // 8, (height + 7) // 8
    for by in range(blocks_y):
        for bx in range(blocks_x):
            r, g, b = bx * 255 // max(1, blocks_x - 1), by * 255 // max(1, blocks_y - 1), 160
            ycc = (0.299 * r + 0.587 * g + 0.114 * b, 128 - 0.1687 * r - 0.3313 * g + 0.5 * b,
                   128 + 0.5 * r - 0.4187 * g - 0.0813 * b)
            for component, value in enumerate(ycc):
                dc = int(round(value)) - 128  # flat block: DCT DC = 8 * (v - 128), quantised by 8
                diff, previous[component] = dc - previous[component], dc
                category = abs(diff).bit_length()
                code, length = (dc_luma if component == 0 else dc_chroma)[category]
                bits.put(code, length)
                bits.put(diff if diff >= 0 else diff + (1 << category) - 1, category)
                bits.put(0b1010, 4) if component == 0 else bits.put(0b00, 2)  # AC end of block
    bits.align(1)
    scan = bits.tobytes().replace(b"\xff", b"\xff\x00")
    quant = b"".join(b"\xff\xdb\x00\x43" + bytes([table]) + b"\x08" * 64 for table in (0, 1))
    frame = struct.pack(">BHHB", 8, height, width, 3) + b"\x01\x11\x00\x02\x11\x01\x03\x11\x01"
    sos = b"\xff\xda\x00\x0c\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00"
    return (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + quant
            + b"\xff\xc0" + struct.pack(">H", 2 + len(frame)) + frame
            + _dht(0, 0, DC_LUMA_BITS, bytes(range(12))) + _dht(1, 0, AC_LUMA_BITS, AC_LUMA_VALUES)
            + _dht(0, 1, DC_CHROMA_BITS, bytes(range(12))) + _dht(1, 1, AC_CHROMA_BITS, AC_CHROMA_VALUES)
            + sos + scan + b"\xff\xd9")


def jpeg(path, width, height):
    return _write(path, jpeg_bytes(width, height))


# ---- WebP, BMP, GIF ----------------------------------------------------------------------------

def webp_bytes(width, height, extended=False, alpha=False):
    """Header-valid WebP: a VP8L (lossless) bitstream header, or VP8X around it when extended."""
    bits = (width - 1) | (height - 1) << 14 | int(alpha) << 28
    vp8l = b"\x2f" + struct.pack("<I", bits) + b"\x00" * 11
    body = b"VP8L" + struct.pack("<I", len(vp8l)) + vp8l
    if extended:
        flags = 0x10 if alpha else 0
        vp8x = bytes([flags, 0, 0, 0]) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
        body = b"VP8X" + struct.pack("<I", 10) + vp8x + body
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def webp(path, width, height, extended=False, alpha=False):
    return _write(path, webp_bytes(width, height, extended, alpha))


def bmp(path, width, height):
    """A real 24-bit bottom-up BMP gradient."""
    stride = (width * 3 + 3) & ~3
    rows = []
    for y in range(height - 1, -1, -1):
        row = bytes(v for x in range(width) for v in (160, y * 255 // max(1, height - 1), x * 255 // max(1, width - 1)))
        rows.append(row + b"\x00" * (stride - width * 3))
    pixels = b"".join(rows)
    header = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return _write(path, b"BM" + struct.pack("<IHHI", 54 + len(pixels), 0, 0, 54) + header + pixels)


def gif(path, width, height):
    """A real GIF89a: two colours in horizontal bands, LZW with clear codes so codes stay 3 bits."""
    pixels = [(y * 2 // max(1, height)) & 1 for y in range(height) for _ in range(width)]
    bits = _LsbBits()
    for index in range(0, len(pixels), 2):  # code size 2: clear=4, end=5; a clear every 2 codes keeps width 3
        bits.put(4, 3)
        for pixel in pixels[index:index + 2]:
            bits.put(pixel, 3)
    bits.put(5, 3)
    data = bits.tobytes()
    blocks = b"".join(bytes([len(data[i:i + 255])]) + data[i:i + 255] for i in range(0, len(data), 255))
    return _write(path, b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x20\x60\xc0\xf0\xc0\x40"
                  + b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02" + blocks + b"\x00\x3b")


class _LsbBits:
    def __init__(self):
        self.value, self.count = 0, 0

    def put(self, value, length):
        self.value |= value << self.count
        self.count += length

    def tobytes(self):
        return self.value.to_bytes((self.count + 7) // 8, "little")


# ---- Audio -------------------------------------------------------------------------------------

def wav(path, seconds, rate=8000):
    """Real 16-bit mono PCM: a quiet 440 Hz tone."""
    count = int(round(seconds * rate))
    samples = struct.pack("<%dh" % count, *(int(3000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(count)))
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(samples)) + samples
    return _write(path, b"RIFF" + struct.pack("<I", len(body)) + body)


def mp3(path, seconds, xing=False, id3=False):
    """MPEG-1 layer III, 128 kbit/s, 44.1 kHz, mono frames with valid headers and a silent payload."""
    frames = int(round(seconds * 44100 / 1152))
    header = b"\xff\xfb\x90\xc4"  # sync, MPEG1, layer III, no CRC; 128 kbit/s, 44100 Hz; mono
    frame = header + b"\x00" * (417 - 4)
    data = frame * frames
    if xing:
        info = bytearray(frame)
        info[4 + 17:4 + 17 + 12] = b"Xing" + struct.pack(">II", 1, frames)
        data = bytes(info) + data
    if id3:
        data = b"ID3\x04\x00\x00\x00\x00\x02\x01" + b"\x00" * 257 + data  # size 257 as a syncsafe integer
    return _write(path, data)


# ---- H.264 (ITU-T H.264) baseline: I_PCM top row, Intra16x16 vertical below, P frames that scroll --

def _nal(kind, ref_idc, bits):
    """NAL unit with emulation prevention (H.264 7.4.1)."""
    payload, out, zeros = bits.tobytes(), bytearray([ref_idc << 5 | kind]), 0
    for byte in payload:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def _trailing(bits):
    bits.put(1, 1)
    bits.align()
    return bits


def _sps(mbs_x, mbs_y, crop_right, crop_bottom):
    bits = _Bits()
    bits.put(66, 8)  # profile_idc: Baseline
    bits.put(0xC0, 8)  # constraint_set0/1: Constrained Baseline
    bits.put(30, 8)  # level_idc 3.0
    for value in (0, 4, 2, 1):  # sps id, log2_max_frame_num - 4, pic_order_cnt_type 2, max_num_ref_frames
        bits.ue(value)
    bits.put(0, 1)  # gaps_in_frame_num_value_allowed_flag
    bits.ue(mbs_x - 1)
    bits.ue(mbs_y - 1)
    bits.put(0b11, 2)  # frame_mbs_only_flag, direct_8x8_inference_flag
    cropped = bool(crop_right or crop_bottom)
    bits.put(int(cropped), 1)
    if cropped:  # crop units are 2 luma samples for 4:2:0 frames
        for value in (0, crop_right // 2, 0, crop_bottom // 2):
            bits.ue(value)
    bits.put(0, 1)  # vui_parameters_present_flag
    return _nal(7, 3, _trailing(bits))


def _pps():
    bits = _Bits()
    bits.ue(0)
    bits.ue(0)
    bits.put(0b00, 2)  # CAVLC, no bottom_field_pic_order_in_frame_present
    for value in (0, 0, 0):  # slice groups - 1, num_ref_idx_l0/l1_default_active - 1
        bits.ue(value)
    bits.put(0b000, 3)  # weighted_pred_flag, weighted_bipred_idc
    for value in (0, 0, 0):  # pic_init_qp - 26, pic_init_qs - 26, chroma_qp_index_offset
        bits.se(value)
    bits.put(0b100, 3)  # deblocking_filter_control_present, no constrained intra, no redundant_pic_cnt
    return _nal(8, 3, _trailing(bits))


def _slice_header(bits, idr, frame_num, idr_id):
    bits.ue(0)  # first_mb_in_slice
    bits.ue(7 if idr else 5)  # I or P, all slices of the picture alike
    bits.ue(0)  # pps id
    bits.put(frame_num % 256, 8)
    if idr:
        bits.ue(idr_id)
    else:
        bits.put(0b00, 2)  # num_ref_idx_active_override_flag, ref_pic_list_modification_flag_l0
    bits.put(0, 2 if idr else 1)  # dec_ref_pic_marking: no_output_of_prior_pics + long_term, or adaptive
    bits.se(0)  # slice_qp_delta
    bits.ue(1)  # disable_deblocking_filter_idc: PCM needs none


def _idr(mbs_x, mbs_y, idr_id, shade):
    """Top macroblock row I_PCM (a gradient), the rest Intra16x16 vertical with no residual."""
    bits = _Bits()
    _slice_header(bits, True, 0, idr_id)
    for mb_y in range(mbs_y):
        for mb_x in range(mbs_x):
            if mb_y == 0:
                bits.ue(25)  # I_PCM
                bits.align()
                for y in range(16):
                    for x in range(16):
                        bits.put(16 + (mb_x * 16 + x) * 150 // (mbs_x * 16) + y * 4, 8)
                bits.put(int.from_bytes(bytes([(shade + mb_x * 30) % 200 + 20]) * 64, "big"), 512)
                bits.put(int.from_bytes(bytes([220 - mb_x * 40 % 200]) * 64, "big"), 512)
                continue
            bits.ue(1)  # I_16x16_0_0_0: vertical prediction, no coded luma or chroma
            bits.ue(2)  # intra_chroma_pred_mode: vertical
            bits.se(0)  # mb_qp_delta
            # Intra16x16DCLevel coeff_token for TotalCoeff 0: nC = mean of the left and upper blocks'
            # counts, where an I_PCM neighbour counts 16 (H.264 9.2.1, table 9-5).
            counts = [16 if mb_y == 1 else 0] + ([0] if mb_x else [])
            nc = (sum(counts) + 1) // 2 if len(counts) == 2 else counts[0]
            bits.put(*((0b000011, 6) if nc >= 8 else (0b1, 1)))
    return _nal(5, 3, _trailing(bits))


def _p_frame(mbs_x, mbs_y, frame_num, mv_x):
    """Every macroblock P_L0_16x16 with the same motion vector and no residual: the picture scrolls."""
    bits = _Bits()
    _slice_header(bits, False, frame_num, 0)
    for index in range(mbs_x * mbs_y):
        bits.ue(0)  # mb_skip_run
        bits.ue(0)  # P_L0_16x16
        bits.se(mv_x if index == 0 else 0)  # mvd: the median prediction equals mv after the first MB
        bits.se(0)
        bits.ue(0)  # coded_block_pattern 0 (inter mapping)
    return _nal(1, 2, _trailing(bits))


def h264_frames(width, height, frames):
    """(sps, pps, [sample NAL per frame]) for even WIDTH x HEIGHT; an IDR every 8 frames."""
    if width % 2 or height % 2:
        raise ValueError("H.264 4:2:0 needs even sizes")
    mbs_x, mbs_y = (width + 15) // 16, (height + 15) // 16
    samples = []
    for index in range(frames):
        if index % 8 == 0:
            samples.append(_idr(mbs_x, mbs_y, index // 8 % 2, index * 7))
        else:
            samples.append(_p_frame(mbs_x, mbs_y, index % 8, 8))
    return _sps(mbs_x, mbs_y, mbs_x * 16 - width, mbs_y * 16 - height), _pps(), samples


# ---- MP4 / MOV (ISO/IEC 14496-12, 14496-15 avcC) ------------------------------------------------

def _box(kind, *parts):
    body = b"".join(parts)
    return struct.pack(">I", 8 + len(body)) + kind + body


def _full(kind, version, flags, *parts):
    return _box(kind, struct.pack(">I", version << 24 | flags), *parts)


MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def _moov(width, height, sps, pps, sizes, timescale, delta, chunk_offset, version):
    frames = len(sizes)
    movie_ms = frames * delta * 1000 // timescale
    if version == 1:
        times = lambda scale, duration: struct.pack(">QQIQ", 0, 0, scale, duration)  # noqa: E731
    else:
        times = lambda scale, duration: struct.pack(">IIII", 0, 0, scale, duration)  # noqa: E731
    mvhd = _full(b"mvhd", version, 0, times(1000, movie_ms), struct.pack(">IH10x", 0x10000, 0x100), MATRIX,
                 b"\x00" * 24, struct.pack(">I", 2))
    ids = struct.pack(">QQIIQ", 0, 0, 1, 0, movie_ms) if version == 1 else struct.pack(">IIIII", 0, 0, 1, 0, movie_ms)
    tkhd = _full(b"tkhd", version, 3, ids, b"\x00" * 8, struct.pack(">hhhH", 0, 0, 0, 0), MATRIX,
                 struct.pack(">II", width << 16, height << 16))
    mdhd = _full(b"mdhd", version, 0, times(timescale, frames * delta), struct.pack(">HH", 0x55C4, 0))
    hdlr = _full(b"hdlr", 0, 0, b"\x00" * 4, b"vide", b"\x00" * 12, b"VideoHandler\x00")
    avcc = _box(b"avcC", bytes([1, sps[1], sps[2], sps[3], 0xFF, 0xE1]), struct.pack(">H", len(sps)), sps,
                b"\x01", struct.pack(">H", len(pps)), pps)
    name = b"\x0bmediafiles".ljust(32, b"\x00")[:32]
    avc1 = _box(b"avc1", b"\x00" * 6, struct.pack(">H", 1), b"\x00" * 16, struct.pack(">HH", width, height),
                struct.pack(">IIIH", 0x480000, 0x480000, 0, 1), name, struct.pack(">Hh", 24, -1), avcc)
    stbl = _box(b"stbl", _full(b"stsd", 0, 0, struct.pack(">I", 1), avc1),
                _full(b"stts", 0, 0, struct.pack(">III", 1, frames, delta)),
                _full(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, frames, 1)),
                _full(b"stsz", 0, 0, struct.pack(">II", 0, frames), struct.pack(">%dI" % frames, *sizes)),
                _full(b"stco", 0, 0, struct.pack(">II", 1, chunk_offset)))
    dinf = _box(b"dinf", _full(b"dref", 0, 0, struct.pack(">I", 1), _full(b"url ", 0, 1)))
    minf = _box(b"minf", _full(b"vmhd", 0, 1, b"\x00" * 8), dinf, stbl)
    trak = _box(b"trak", tkhd, _box(b"mdia", mdhd, hdlr, minf))
    return _box(b"moov", mvhd, trak)


@functools.lru_cache(maxsize=16)
def mp4_bytes(width=64, height=64, seconds=1.0, fps=10.0, mov=False, moov_last=False, large_mdat=False,
              version=0):
    """A playable H.264 MP4 (or MOV): moov first (fast start) unless MOOV_LAST; LARGE_MDAT uses a 64-bit size."""
    frames = max(1, int(round(seconds * fps)))
    sps, pps, samples = h264_frames(width, height, frames)
    payloads = [struct.pack(">I", len(nal)) + nal for nal in samples]
    timescale, delta = int(round(fps * 1000)), 1000
    ftyp = (_box(b"ftyp", b"qt  ", struct.pack(">I", 0x200), b"qt  ") if mov
            else _box(b"ftyp", b"mp42", struct.pack(">I", 0), b"isommp42"))
    data = b"".join(payloads)
    mdat = (struct.pack(">I4sQ", 1, b"mdat", 16 + len(data)) if large_mdat
            else struct.pack(">I4s", 8 + len(data), b"mdat")) + data
    header = len(mdat) - len(data)
    sizes = [len(p) for p in payloads]
    moov_size = len(_moov(width, height, sps, pps, sizes, timescale, delta, 0, version))
    offset = len(ftyp) + header + (0 if moov_last else moov_size)
    moov = _moov(width, height, sps, pps, sizes, timescale, delta, offset, version)
    return ftyp + (mdat + moov if moov_last else moov + mdat)


def mp4(path, width=64, height=64, seconds=1.0, fps=10.0, mov=False, **layout):
    return _write(path, mp4_bytes(width, height, seconds, fps, mov, **layout))
