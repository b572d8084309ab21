"""http: retries by policy, never a second paid POST, one-line errors, masking, timeouts."""

import socket

import pytest
from conftest import FAKE_KEY
from qianwen_common import http, tasks
from qianwen_common.config import load_config
from qianwen_common.errors import ApiError, NetworkError, SubmissionUnknown
from qianwen_common.version import VERSION

VIDEO = "/services/aigc/video-generation/video-synthesis"
BODY = {"model": "wan2.6-t2v", "input": {"prompt": "a fox"}, "parameters": {"size": "1280*720"}}


@pytest.fixture
def cfg(sim, tmp_path):
    return load_config(cwd=str(tmp_path), environ={"DASHSCOPE_API_KEY": FAKE_KEY,
                                                   "QWEN_BASE_URL": sim.base_url})


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(http, "BACKOFF_BASE", 0.01)


def test_get_retries_5xx_and_honours_retry_after(sim, cfg):
    sim.inject("/api/v1/tasks/", status=503, times=2, retry_after=0)
    notes = []
    answer = tasks.fetch(cfg, "nope", notify=notes.append)
    assert tasks.status_of(answer) == "UNKNOWN"
    assert len(sim.seen("GET", "/api/v1/tasks/")) == 3
    assert any("HTTP 503" in n and "retrying" in n for n in notes)


def test_create_is_never_resent_after_5xx(sim, cfg):
    sim.inject("/api/v1/services/", method="POST", status=500)
    with pytest.raises(SubmissionUnknown) as err:
        http.request_json("POST", cfg.api_base + VIDEO, BODY, tasks.ASYNC_HEADER, api_key=FAKE_KEY,
                          policy=http.CREATE)
    assert "HTTP 500" in str(err.value) and "may have been accepted" in str(err.value)
    assert len(sim.task_posts()) == 1


def test_create_is_resent_after_429(sim, cfg):
    sim.inject("/api/v1/services/", method="POST", status=429, retry_after=0)
    task_id, _ = tasks.submit(cfg, VIDEO, BODY)
    assert task_id in sim.tasks
    assert len(sim.task_posts()) == 2


def test_create_is_never_resent_after_read_timeout(sim, cfg, monkeypatch):
    monkeypatch.setenv("QWEN_HTTP_TIMEOUT", "0.5")
    sim.inject("/api/v1/services/", method="POST", delay=1.5)
    with pytest.raises(SubmissionUnknown) as err:
        http.request_json("POST", cfg.api_base + VIDEO, BODY, tasks.ASYNC_HEADER, api_key=FAKE_KEY,
                          policy=http.CREATE)
    assert "may have been accepted" in str(err.value)
    assert len(sim.task_posts()) == 1


def test_create_after_dropped_connection_is_not_resent(sim, cfg):
    sim.inject("/api/v1/services/", method="POST", drop=True)
    with pytest.raises(SubmissionUnknown, match="no wan2.6-t2v task is listed yet"):
        tasks.submit(cfg, VIDEO, BODY)  # dropped before the task was made: nothing to adopt
    assert len(sim.task_posts()) == 1


def test_connection_refused_is_retried_then_one_line(cfg, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = "http://127.0.0.1:%d/api/v1/tasks/x" % port
    with pytest.raises(NetworkError) as err:
        http.request_json("POST", url, {}, api_key=FAKE_KEY, policy=http.CREATE)
    assert str(err.value).startswith("URLError: cannot reach 127.0.0.1")
    assert "HTTPS_PROXY" in str(err.value)


def test_error_json_becomes_one_line(sim, cfg):
    body = dict(BODY, parameters={"resolution": "720P"})
    with pytest.raises(ApiError) as err:
        tasks.submit(cfg, VIDEO, body)
    line = str(err.value)
    assert line.startswith("HTTP 400 InvalidParameter - ") and "(request_id " in line
    assert "\n" not in line


def test_missing_async_header_is_the_real_error(sim, cfg):
    with pytest.raises(ApiError) as err:
        http.request_json("POST", cfg.api_base + VIDEO, BODY, api_key=FAKE_KEY, policy=http.CREATE)
    assert "does not support synchronous calls" in str(err.value) and "HTTP 403" in str(err.value)


def test_server_echoing_the_key_is_masked(sim, cfg):
    sim.inject("/api/v1/tasks/", status=401, echo_key=True)
    with pytest.raises(ApiError) as err:
        tasks.fetch(cfg, "x")
    assert "HTTP 401" in str(err.value)
    assert FAKE_KEY[3:12] not in str(err.value)


def test_garbled_answer(sim, cfg):
    sim.inject("/api/v1/tasks/", status=200, body="<html>gateway</html>")
    with pytest.raises(ApiError, match="not JSON"):
        tasks.fetch(cfg, "x")


def test_user_agent_names_bundle_and_version(sim, cfg):
    tasks.fetch(cfg, "x")
    agent = sim.seen("GET")[0]["headers"]["User-Agent"]
    assert agent.startswith("qianwen-ai-skills/%s" % VERSION)


def test_lost_answer_is_recovered_from_the_task_list(sim, cfg, monkeypatch):
    # issue 8: after a read timeout the task is looked up, never created twice
    monkeypatch.setenv("QWEN_HTTP_TIMEOUT", "0.5")
    sim.inject("/api/v1/services/", method="POST", delay=1.0)
    notes = []
    task_id, answer = tasks.submit(cfg, VIDEO, BODY, notify=notes.append)
    assert task_id in sim.tasks and answer["recovered"]
    assert len(sim.task_posts()) == 1
    assert any("looking for the task" in n for n in notes)


def test_lost_answer_with_several_candidates_is_not_guessed(sim, cfg, monkeypatch):
    tasks.submit(cfg, VIDEO, BODY)
    monkeypatch.setenv("QWEN_HTTP_TIMEOUT", "0.5")
    sim.inject("/api/v1/services/", method="POST", delay=1.0)
    with pytest.raises(SubmissionUnknown, match="2 recent wan2.6-t2v tasks could be it"):
        tasks.submit(cfg, VIDEO, BODY)
    assert len(sim.task_posts()) == 2
