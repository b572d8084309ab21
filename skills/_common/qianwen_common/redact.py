"""One masking function for every text that can reach a user or a file, and one-line server text."""

from __future__ import annotations

import re
import threading
from bisect import bisect_right

_MASK = "***"
# The documented .env placeholder is not a key; masking it would break the missing-key advice.
_PLACEHOLDER = "sk-your-key-here"
_MIN_SECRET = 4     # shorter values would mask ordinary words
_WINDOW = 12        # a run this long of a secret is masked wherever it appears
_STEP = 6           # probe every 6th position with 7 characters: each 12-character run holds one probe
_PROBE = _WINDOW - _STEP + 1
_MIN_DISTINCT = 4   # "000000000000" from a test key must not mask every nil UUID
# Query parameters that carry secrets in presigned URLs (OSS "Add signatures to URLs": V4
# x-oss-signature / x-oss-credential, V1 Signature / OSSAccessKeyId, STS security-token). The other
# parameters (dates, expiry, signature version) are common text, matched only as part of the whole.
_SECRET_PARAMS = ("signature", "accesskeyid", "credential", "security-token")

# Invisible format characters: zero-width, soft hyphen, word joiner, BOM, bidi controls.
_INVISIBLE = r"\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
_IGNORABLE = r"\x00-\x1f\x7f-\x9f\u2028\u2029" + _INVISIBLE
_IGNORABLE_CHAR = re.compile("[" + _IGNORABLE + "]")
# What hides a secret from a plain search, in lower-cased text: ANSI CSI sequences (raw or already
# escaped), percent-encoding (also doubled, %252B), JSON/one_line escapes, invisible and control characters.
_SPECIAL = re.compile(r"(?:\x1b|\\x1b)\[[0-9;?]*[ -/]*[@-~]"
                      r"|%(?:25)?[0-9a-f]{2}"
                      r"|\\(?:[nrt/]|x[0-9a-f]{2}|u[0-9a-f]{4})"
                      r"|[" + _IGNORABLE + "]")
# A break inside a key shape found in normalized text: that match may have glued on the next word.
_BREAK = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]|\\[nrtx]|\\u00[0189]|\\u202[89]")
_KEY_SHAPE = re.compile(r"(?<![a-z0-9])sk-[a-z0-9_\-]{6,}")
_ASCII_LOWER = {code: code + 32 for code in range(65, 91)}

# (whole: normalized secret -> True when it must stand alone, long: secrets whose 12-character runs
# are masked, probes: 7-character piece -> [(index in long, offset)]). Batch threads mask while an
# upload registers, so registering builds a new state and rebinds it, never changes one in place.
_STATE = ({}, (), {})
_LOCK = threading.Lock()

_NEWLINE = re.compile(r"\r\n|[\r\n\u2028\u2029\x85]")
_CUT_ESCAPE = re.compile(r"\\(?:x[0-9a-f]?|u[0-9a-f]{0,3})?$")  # no half escape before "..."
_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f" + _INVISIBLE + "]")


def register_secret(value):
    """Remember a secret (a key, an OSS secret, a presigned query string) so mask() removes it."""
    global _STATE
    value = str(value or "")
    if len(value) < _MIN_SECRET:
        return
    with _LOCK:
        whole, longs, probes = dict(_STATE[0]), list(_STATE[1]), dict(_STATE[2])
        for secret, fragments in _variants(value):
            _remember(whole, longs, probes, secret, fragments)
        _STATE = (whole, tuple(longs), probes)


def _variants(value):
    """The forms worth matching: the whole value, a key without sk-/sk-sp-, a query's secret values."""
    whole = _plain(value)
    # A presigned query string (upload.remember_presigned), not a base64 secret ending in "=".
    query = "&" in value or _plain(value.split("?", 1)[-1].partition("=")[0]).endswith(_SECRET_PARAMS)
    found = [(whole, not query)]
    for prefix in ("sk-sp-", "sk-"):
        if whole.startswith(prefix):
            found.append((whole[len(prefix):], True))
            break
    if query:  # split before decoding: an encoded value may hold "&" or "="
        for pair in value.split("?", 1)[-1].split("&"):
            name, _, item = pair.partition("=")
            name, item = _plain(name), _plain(item)
            if name.endswith(_SECRET_PARAMS):
                # A credential is "AccessKeyId/date/region/oss/aliyun_v4_request": only the id is secret.
                found.append((item.split("/")[0] if name.endswith("credential") else item, True))
    return found


def _remember(whole, longs, probes, secret, fragments):
    if len(secret) < _MIN_SECRET:
        return
    whole[secret] = len(secret) < _WINDOW
    # A key without its prefix is part of the key: its runs are found already.
    if fragments and len(secret) >= _WINDOW and not any(secret in known for known in longs):
        longs.append(secret)
        for offset in range(len(secret) - _PROBE + 1):
            piece = secret[offset:offset + _PROBE]
            probes[piece] = probes.get(piece, []) + [(len(longs) - 1, offset)]


def mask(text):
    """Return text with every registered secret (any 12-character run of one, in any case, encoded or
    with invisible characters inserted) and anything shaped like an sk- key replaced by ***."""
    if not text:
        return text
    text = str(text)
    low = text.lower() if text.isascii() else text.translate(_ASCII_LOWER)
    norm, keys, segs = _normalize(low)
    spans = [_original(keys, segs, a, b) for a, b in _secret_spans(norm, _STATE)]
    spans += [match.span() for match in _KEY_SHAPE.finditer(low) if match.group(0) != _PLACEHOLDER]
    if segs is not None:  # a key shape hidden by invisible characters or encoding
        for match in _KEY_SHAPE.finditer(norm):
            start, end = _original(keys, segs, *match.span())
            if match.group(0) != _PLACEHOLDER and not _BREAK.search(text, start, end):
                spans.append((start, end))
    return _replace(text, spans) if spans else text


def mask_data(value):
    """Mask every string inside a JSON-like value."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list):
        return [mask_data(item) for item in value]
    if isinstance(value, tuple):
        return tuple(mask_data(item) for item in value)
    if isinstance(value, dict):
        return {key: mask_data(item) for key, item in value.items()}
    return value


def one_line(text, limit=None):
    """Server text made safe for one stderr line: newlines as \\n, tabs as spaces, control and invisible
    characters escaped (\\x1b, \\u200b); cut to limit characters with "..." when given."""
    text = "" if text is None else str(text)
    text = _NEWLINE.sub(r"\\n", text).replace("\t", " ")
    text = _UNSAFE.sub(_escape, text)
    if limit is not None and len(text) > limit:
        text = _CUT_ESCAPE.sub("", text[:max(limit - 3, 0)]) + "..."
    return text


def mask_line(text, limit=None):
    """mask() then one_line(): masking sees the raw text, so a secret split by a newline is caught."""
    return one_line(mask(text), limit)


def _escape(match):
    code = ord(match.group(0))
    return "\\x%02x" % code if code < 0x100 else "\\u%04x" % code


def _plain(value):
    """A secret in the normalized form mask() searches."""
    value = str(value)
    return _normalize(value.lower() if value.isascii() else value.translate(_ASCII_LOWER))[0]


def _normalize(low):
    """Lower-cased text without what hides a secret, plus a map back: (text, keys, segments).

    Segments are (normalized start, original start, token width or 0 for a 1:1 run); None when the
    text had nothing to remove or decode (the common case: no map needed)."""
    first = _SPECIAL.search(low)
    if first is None:
        return low, None, None
    parts, segs, pos, size = [], [], 0, 0
    for match in _SPECIAL.finditer(low, first.start()):
        start, token = match.start(), match.group(0)
        if start > pos:
            parts.append(low[pos:start])
            segs.append((size, pos, 0))
            size += start - pos
        char = _decoded(token)
        if char is None:
            parts.append(token)
            segs.append((size, start, 0))
            size += len(token)
        elif char:
            parts.append(char)
            segs.append((size, start, len(token)))
            size += 1
        pos = match.end()
    if pos < len(low):
        parts.append(low[pos:])
        segs.append((size, pos, 0))
    return "".join(parts), [seg[0] for seg in segs], segs


def _decoded(token):
    """What a special token stands for: "" (nothing), one character, or None (keep it as written)."""
    if len(token) == 1 or "[" in token or token[:2] in ("\\n", "\\r", "\\t"):
        return ""
    if token == "\\/":
        return "/"
    char = chr(int(token[2:] if token[1] in "xu" else token[-2:], 16))
    if _IGNORABLE_CHAR.match(char):
        return ""
    return char.lower() if char.isascii() else None


def _original(keys, segs, start, end):
    """The span of the original text behind normalized characters start..end-1."""
    if segs is None:
        return start, end
    return _char_span(keys, segs, start)[0], _char_span(keys, segs, end - 1)[1]


def _char_span(keys, segs, index):
    seg_start, orig_start, width = segs[bisect_right(keys, index) - 1]
    if width:
        return orig_start, orig_start + width
    orig = orig_start + index - seg_start
    return orig, orig + 1


def _secret_spans(norm, state):
    """Normalized spans of whole secrets and of 12+ character runs of long ones."""
    whole, longs, probes = state
    spans = []
    for secret, alone in whole.items():
        start = norm.find(secret)
        while start >= 0:
            end = start + len(secret)
            if not alone or (not _word_char(norm, start - 1) and not _word_char(norm, end)):
                spans.append((start, end))
            start = norm.find(secret, start + 1)
    if probes:
        spans += _fragment_spans(norm, longs, probes)
    return spans


def _word_char(norm, index):
    return 0 <= index < len(norm) and ("a" <= norm[index] <= "z" or "0" <= norm[index] <= "9")


def _fragment_spans(norm, longs, probes):
    """Maximal runs of 12+ characters shared with a long secret; one probe every _STEP characters."""
    spans, covered = [], 0
    for index in range(0, len(norm) - _PROBE + 1, _STEP):
        hits = probes.get(norm[index:index + _PROBE])
        if not hits or index + _PROBE <= covered:
            continue
        for which, offset in hits:
            start, end = _extend(norm, index, longs[which], offset)
            if end - start >= _WINDOW and len(set(norm[start:end])) >= _MIN_DISTINCT:
                spans.append((start, end))
                covered = max(covered, end)
    return spans


def _extend(norm, index, secret, offset):
    """Grow a probe hit at norm[index] == secret[offset] both ways while the two agree."""
    start, back = index, offset
    while start > 0 and back > 0 and norm[start - 1] == secret[back - 1]:
        start, back = start - 1, back - 1
    end, ahead = index + _PROBE, offset + _PROBE
    while end < len(norm) and ahead < len(secret) and norm[end] == secret[ahead]:
        end, ahead = end + 1, ahead + 1
    return start, end


def _replace(text, spans):
    """text with each union of overlapping or touching spans replaced by one ***."""
    out, pos, merged = [], 0, []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in merged:
        out.append(text[pos:start])
        out.append(_MASK)
        pos = end
    out.append(text[pos:])
    return "".join(out)
