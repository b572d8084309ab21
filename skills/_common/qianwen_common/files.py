"""Output files: unique names that never overwrite, streamed downloads with resume."""

import errno
import http.client
import os
import time

from . import http as qhttp
from .errors import ApiError, NetworkError, QianwenError
from .redact import mask

CHUNK = 1024 * 1024
DOWNLOAD_ATTEMPTS = 4


class LocalWriteError(QianwenError):
    """The result could not be written on this machine (permissions, full disk)."""


def numbered(path, number):
    """out.png, 2 -> out_2.png."""
    stem, ext = os.path.splitext(path)
    return "%s_%d%s" % (stem, number, ext)


def reserve_part(path):
    """Create PATH.part exclusively for a name whose final file does not exist; returns both."""
    directory = os.path.dirname(path) or "."
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise LocalWriteError(_write_error_line(directory, exc)) from None
    number = 0
    while True:
        candidate = path if number == 0 else numbered(path, number)
        number += 1
        if os.path.exists(candidate):
            continue
        try:
            fd = os.open(candidate + ".part", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue  # another run is writing this name right now
        except OSError as exc:
            raise LocalWriteError(_write_error_line(directory, exc)) from None
        os.close(fd)
        return candidate, candidate + ".part"


def publish(part, wanted):
    """Give the finished part file its final name without ever replacing an existing file."""
    candidate, number = wanted, 1
    while True:
        try:
            os.link(part, candidate)
        except FileExistsError:
            number += 1
            candidate = numbered(wanted, number)
            continue
        except OSError:
            # No hard links here (some file systems): reserve the name, then move over it.
            try:
                os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            except FileExistsError:
                number += 1
                candidate = numbered(wanted, number)
                continue
            os.replace(part, candidate)
            return candidate
        os.unlink(part)
        return candidate


def download(url, path, notify=None):
    """Stream url to path (a new name if taken); returns (final path, bytes written)."""
    wanted, part = reserve_part(path)
    try:
        size = _fetch(url, part, notify)
        final = publish(part, wanted)
    except BaseException:
        _remove_quietly(part)
        raise
    if final != path and notify:
        notify("%s exists; saved as %s" % (path, final))
    return final, size


def _fetch(url, part, notify):
    written, expected, attempt = 0, None, 0
    while True:
        headers = {"Range": "bytes=%d-" % written} if written else {}
        try:
            response = qhttp.send("GET", url, headers=headers, timeout=120)
        except ApiError as exc:
            if exc.status in (403, 404, 410):
                raise ApiError("%s: the result URL has expired or is gone (result links last 24 h)"
                               % exc, status=exc.status) from None
            raise
        with response:
            if written and response.status != 206:
                written = 0  # the server ignored Range: start again
            expected = _expected_size(response, written)
            broke = None
            try:
                _copy(response, part, written)
            except (OSError, http.client.HTTPException) as exc:
                if isinstance(exc, OSError) and _is_local(exc):
                    raise LocalWriteError(_write_error_line(part, exc)) from None
                broke = type(exc).__name__
        written = os.path.getsize(part)
        if expected is not None and written > expected:
            raise NetworkError("download size mismatch: %d bytes, expected %d" % (written, expected))
        if broke is None and (expected is None or written == expected):
            if written == 0:
                raise NetworkError("download returned an empty file")
            return written
        attempt += 1
        if attempt >= DOWNLOAD_ATTEMPTS:
            raise NetworkError("download incomplete: %d of %s bytes (%s)"
                               % (written, expected, broke or "connection closed early"))
        if notify:
            notify("download broke off at %d bytes; resuming" % written)
        time.sleep(qhttp.retry_delay(attempt - 1))


def _expected_size(response, offset):
    length = response.headers.get("Content-Length")
    if length is None or not length.isdigit():
        return None
    return int(length) + (offset if response.status == 206 else 0)


def _copy(response, part, offset):
    with open(part, "r+b" if offset else "wb") as out:
        out.seek(offset)
        out.truncate()
        while True:
            chunk = response.read(CHUNK)
            if not chunk:
                return
            out.write(chunk)


def _is_local(exc):
    return isinstance(exc, (PermissionError, IsADirectoryError)) or exc.errno in (
        errno.ENOSPC, errno.EFBIG, errno.EROFS, errno.EDQUOT)


def _write_error_line(path, exc):
    if isinstance(exc, PermissionError):
        return ("PermissionError: cannot write %s; pass --output with a writable folder"
                % mask(path))
    return "cannot write %s (%s); free space or pass --output elsewhere" % (
        mask(path), os.strerror(exc.errno) if exc.errno else type(exc).__name__)


def _remove_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass
