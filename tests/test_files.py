"""files: streamed downloads, never overwriting, Range resume, size checks, expired links."""

import os
import threading

import pytest
from qianwen_common import files
from qianwen_common.errors import ApiError, NetworkError


def test_download_and_never_overwrite(sim, tmp_path):
    url = sim.result_url("abc/video.mp4")
    target = str(tmp_path / "out" / "v.mp4")
    first, size = files.download(url, target)
    assert first == target and size == sim.result_bytes == os.path.getsize(first)
    with open(first, "ab") as handle:
        handle.write(b"user edits")
    before = open(first, "rb").read()
    notes = []
    second, _ = files.download(url, target, notify=notes.append)
    assert second == str(tmp_path / "out" / "v_1.mp4")
    assert open(first, "rb").read() == before  # untouched
    assert any("saved as" in n for n in notes)
    assert not [n for n in os.listdir(str(tmp_path / "out")) if n.endswith(".part")]


def test_resume_with_range_after_a_drop(sim, tmp_path):
    sim.result_bytes = 3 * 1024 * 1024
    sim.inject("/files/", drop_after=1024 * 1024 + 7)
    path, size = files.download(sim.result_url("x/v.mp4"), str(tmp_path / "v.mp4"))
    assert size == sim.result_bytes
    gets = sim.seen("GET", "/files/")
    assert len(gets) == 2 and gets[1]["headers"]["range"] == "bytes=%d-" % (1024 * 1024 + 7)
    expected = b"".join(__import__("tests.sim.storage", fromlist=["x"])._chunks(
        b"\x00\x00\x00\x18ftypmp42", 0, sim.result_bytes))
    assert open(path, "rb").read() == expected


def test_restart_when_range_is_not_supported(sim, tmp_path):
    sim.range_support = False
    sim.inject("/files/", drop_after=1000)
    path, size = files.download(sim.result_url("x/v.mp4"), str(tmp_path / "v.mp4"))
    assert size == sim.result_bytes == os.path.getsize(path)


def test_broken_every_time_is_an_error_without_a_file(sim, tmp_path):
    sim.inject("/files/", drop_after=100, times=10)
    with pytest.raises(NetworkError, match="download incomplete"):
        files.download(sim.result_url("x/v.mp4"), str(tmp_path / "v.mp4"))
    assert os.listdir(str(tmp_path)) == []  # no partial file left, no local_path to report


def test_expired_result_url(sim, tmp_path):
    with pytest.raises(ApiError, match="HTTP 403.*expired"):
        files.download(sim.result_url("expired/v.mp4"), str(tmp_path / "v.mp4"))


def test_concurrent_downloads_get_distinct_names(sim, tmp_path):
    target = str(tmp_path / "img.png")
    results = []
    threads = [threading.Thread(target=lambda n=i: results.append(
        files.download(sim.result_url("c/%d.png" % n), target)[0])) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == sorted(set(results)) and len(results) == 6


def test_numbered():
    assert files.numbered("/a/out.png", 2) == "/a/out_2.png"
