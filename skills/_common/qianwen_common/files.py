"""Output files: unique names that never overwrite, masked JSON/text, verified downloads with resume."""

from __future__ import annotations

import errno
import http.client
import json
import os
import time

from . import http as qhttp
from .errors import ApiError, NetworkError, QianwenError
from .redact import mask, mask_data, one_line

CHUNK = 1024 * 1024
DOWNLOAD_ATTEMPTS = 4
STALL_SECONDS = 60.0       # a download that moves less than MIN_RATE bytes in this long is stalled
MIN_RATE = 1024


class LocalWriteError(QianwenError):
    """The result could not be written on this machine (permissions, full disk)."""


def numbered(path, number):
    """out.png, 2 -> out_2.png."""
    stem, ext = os.path.splitext(path)
    return "%s_%d%s" % (stem, number, ext)


def reserve_part(path, resume_key=None):
    """(final name, part file) for a name whose final file does not exist. With resume_key (a task id)
    the part file is NAME.<key>.part, and one left by an earlier run of the same key is continued."""
    directory = os.path.dirname(path) or "."
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise LocalWriteError(write_error_line(directory, exc)) from None
    number = 0
    while True:
        candidate = path if number == 0 else numbered(path, number)
        number += 1
        if os.path.exists(candidate):
            continue
        part = "%s.%s.part" % (candidate, resume_key) if resume_key else candidate + ".part"
        if resume_key and os.path.isfile(part):
            return candidate, part
        try:
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue  # another run is writing this name right now
        except OSError as exc:
            raise LocalWriteError(write_error_line(directory, exc)) from None
        os.close(fd)
        return candidate, part


def publish(part, wanted, base=None):
    """Give the finished part file its final name without ever replacing an existing file; a taken
    name is followed by base_1, base_2... (base: the name asked for, before any numbering)."""
    base = base or wanted
    candidate, number = wanted, 0
    while True:
        try:
            os.link(part, candidate)
        except FileExistsError:
            number += 1
            candidate = numbered(base, number)
            continue
        except OSError:
            # No hard links here (some file systems): reserve the name, then move over it.
            try:
                os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            except FileExistsError:
                number += 1
                candidate = numbered(base, number)
                continue
            os.replace(part, candidate)
            return candidate
        os.unlink(part)
        return candidate


def write_new(path, text):
    """Write masked text to path, or to a numbered name when path exists; returns the name used."""
    wanted, part = reserve_part(path)
    try:
        with open(part, "w", encoding="utf-8") as handle:
            handle.write(mask(text))
        return publish(part, wanted, path)
    except OSError as exc:
        _remove_quietly(part)
        raise LocalWriteError(write_error_line(path, exc)) from None


def write_json_new(path, data):
    """A masked JSON file that never overwrites another; returns the name used."""
    return write_new(path, json.dumps(mask_data(data), ensure_ascii=False, indent=2) + "\n")


def replace_json(path, data):
    """Our own state file, masked, replaced atomically (a crash leaves the old or the new one)."""
    temp = "%s.%d.tmp" % (path, os.getpid())
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(temp, "w", encoding="utf-8") as handle:
            json.dump(mask_data(data), handle, indent=1, ensure_ascii=False)
        os.replace(temp, path)
    except OSError as exc:
        _remove_quietly(temp)
        raise LocalWriteError(write_error_line(path, exc)) from None


def download(url, path, notify=None, expected_size=None, resume_key=None, config=None):
    """Stream an http(s) url to path (a new name if taken); returns (final path, bytes written).
    Interrupted (Ctrl-C, SIGTERM), the part file stays for a run with the same resume_key to continue."""
    qhttp.check_fetch_url(url)
    wanted, part = reserve_part(path, resume_key)
    lock = _lock(part)
    if lock is False:  # another run is writing that part file right now: a name of our own
        wanted, part = reserve_part(path)
        lock = _lock(part)
    try:
        size = _fetch(url, part, notify, expected_size, config)
        final = publish(part, wanted, path)
    except KeyboardInterrupt:
        raise
    except BaseException:
        _remove_quietly(part)
        raise
    finally:
        if lock:
            lock.close()
    if final != path and notify:
        notify("%s exists; saved as %s" % (path, final))
    return final, size


def _lock(part):
    """An exclusive lock on a part file: the handle, None where flock is missing, False when held."""
    try:
        import fcntl
    except ImportError:
        return None
    handle = open(part, "ab")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    return handle


def _fetch(url, part, notify, expected_size, config):
    written, attempt, etag = os.path.getsize(part), 0, None
    while True:
        headers = {"Range": "bytes=%d-" % written} if written else {}
        if written and etag:
            headers["If-Range"] = etag
        try:
            response = qhttp.send("GET", url, headers=headers, timeout=120, config=config)
        except ApiError as exc:
            if exc.status in (403, 404, 410):
                raise ApiError("%s: the result URL has expired or is gone (result links last 24 h)"
                               % exc, status=exc.status) from None
            raise
        qhttp.stop_watch(response)
        with response:
            offset = _start_offset(response, written)
            if offset is None:  # a 206 for other bytes than asked: drop it and start the file again
                written, etag, attempt = 0, None, attempt + 1
                if attempt >= DOWNLOAD_ATTEMPTS:
                    raise NetworkError("download failed: the server keeps answering with other bytes than asked")
                open(part, "wb").close()
                continue
            written = offset
            etag = response.headers.get("ETag") or etag
            expected = _expected_size(response, written) or expected_size
            verified = expected is not None or response.chunked
            broke = _copy_quietly(response, part, written)
        written = os.path.getsize(part)
        if expected is not None and written > expected:
            raise NetworkError("download size mismatch: %d bytes, expected %d" % (written, expected))
        if broke is None and (expected is None or written == expected):
            if written == 0:
                raise NetworkError("download returned an empty file")
            if not verified:
                raise NetworkError("download unverified: the server sent no Content-Length and closed the "
                                   "connection after %d bytes; the file may be cut short" % written)
            return written
        attempt += 1
        if attempt >= DOWNLOAD_ATTEMPTS:
            raise NetworkError("download incomplete: %d of %s bytes (%s)"
                               % (written, expected, broke or "connection closed early"))
        if notify:
            notify("download broke off at %d bytes; resuming" % written)
        time.sleep(qhttp.retry_delay(attempt - 1))


def _start_offset(response, asked):
    """Where this answer's bytes go: 0 for a whole file (200), `asked` for a 206 that starts there,
    None for a 206 that starts elsewhere (its bytes are useless)."""
    if response.status != 206:
        return 0
    content_range = response.headers.get("Content-Range", "")
    try:
        start = int(content_range.split()[1].split("-")[0])
    except (IndexError, ValueError):
        start = -1
    return asked if start == asked else None


def _expected_size(response, offset):
    length = response.headers.get("Content-Length")
    if length is None or not length.isdigit():
        return None
    return int(length) + (offset if response.status == 206 else 0)


def _copy_quietly(response, part, offset):
    """Copy the body; None when it ended normally, else why it broke (local failures raise)."""
    try:
        _copy(response, part, offset)
    except (OSError, http.client.HTTPException) as exc:
        if isinstance(exc, OSError) and _is_local(exc):
            raise LocalWriteError(write_error_line(part, exc)) from None
        return type(exc).__name__
    return None


def _copy(response, part, offset):
    with open(part, "r+b" if offset else "wb") as out:
        out.seek(offset)
        out.truncate()
        window_start, window_bytes = time.monotonic(), 0
        while True:
            chunk = response.read1(CHUNK) if hasattr(response, "read1") else response.read(CHUNK)
            if not chunk:
                return
            out.write(chunk)
            window_bytes += len(chunk)
            now = time.monotonic()
            if now - window_start >= STALL_SECONDS:
                if window_bytes < MIN_RATE * STALL_SECONDS:
                    raise TimeoutError("the download stalled (a trickle of %d bytes in %ds)"
                                       % (window_bytes, now - window_start))
                window_start, window_bytes = now, 0


def _is_local(exc):
    return isinstance(exc, (PermissionError, IsADirectoryError)) or exc.errno in (
        errno.ENOSPC, errno.EFBIG, errno.EROFS, errno.EDQUOT)


def write_error_line(path, exc):
    if isinstance(exc, PermissionError):
        return "PermissionError: cannot write %s; pass --output with a writable folder" % one_line(mask(path))
    why = os.strerror(exc.errno) if getattr(exc, "errno", None) else type(exc).__name__
    advice = "free space or pass --output elsewhere" if getattr(exc, "errno", None) in (
        errno.ENOSPC, errno.EFBIG, errno.EDQUOT) else "pass --output with a folder you can write"
    return "cannot write %s (%s); %s" % (one_line(mask(path)), why, advice)


def _remove_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass
