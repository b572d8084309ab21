"""http: retries by policy, never a second paid POST, one-line errors, masking, timeouts."""

import socket
import threading
import types

import pytest
from conftest import FAKE_KEY
from qianwen_common import http, tasks
from qianwen_common.config import load_config
from qianwen_common.errors import ApiError, NetworkError, SubmissionUnknown
from qianwen_common.plan import ASYNC_HEADER
from qianwen_common.version import VERSION

VIDEO = "/services/aigc/video-generation/video-synthesis"
BODY = {"model": "wan2.6-t2v", "input": {"prompt": "a fox"}, "parameters": {"size": "1280*720"}}


@pytest.fixture
def cfg(sim, tmp_path):
    return load_config(cwd=str(tmp_path), environ={"DASHSCOPE_API_KEY": FAKE_KEY,
                                                   "QWEN_BASE_URL": sim.base_url})


@pytest.fixture
def slow_cfg(sim, tmp_path):
    """QWEN_HTTP_TIMEOUT=0.5 reaches http through the Config (never through os.environ)."""
    return load_config(cwd=str(tmp_path), environ={"DASHSCOPE_API_KEY": FAKE_KEY, "QWEN_HTTP_TIMEOUT": "0.5",
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
        http.request_json("POST", cfg.api_base + VIDEO, BODY, ASYNC_HEADER, api_key=FAKE_KEY,
                          policy=http.CREATE, config=cfg)
    assert "HTTP 500" in str(err.value) and "may have been accepted" in str(err.value)
    assert len(sim.task_posts()) == 1


def test_create_is_resent_after_429(sim, cfg):
    sim.inject("/api/v1/services/", method="POST", status=429, retry_after=0)
    task_id, _ = tasks.submit(cfg, VIDEO, BODY, ASYNC_HEADER)
    assert task_id in sim.tasks
    assert len(sim.task_posts()) == 2


def test_create_is_never_resent_after_read_timeout(sim, slow_cfg):
    sim.inject("/api/v1/services/", method="POST", delay=1.5)
    with pytest.raises(SubmissionUnknown) as err:
        http.request_json("POST", slow_cfg.api_base + VIDEO, BODY, ASYNC_HEADER, api_key=FAKE_KEY,
                          policy=http.CREATE, config=slow_cfg)
    assert "may have been accepted" in str(err.value)
    assert len(sim.task_posts()) == 1


def test_http_timeout_comes_from_the_config_not_the_environment(sim, cfg, monkeypatch):
    # settings.load is the only reader of os.environ: a QWEN_HTTP_TIMEOUT there does nothing by itself
    monkeypatch.setenv("QWEN_HTTP_TIMEOUT", "0.3")
    sim.inject("/api/v1/tasks/", delay=0.8)
    assert tasks.status_of(tasks.fetch(cfg, "x")) == "UNKNOWN"
    # ...while any object with http_timeout (a Config or a stand-in) bounds every read
    sim.inject("/api/v1/tasks/", delay=0.8, times=-1)
    stand_in = types.SimpleNamespace(http_timeout=0.3)
    with pytest.raises(NetworkError, match="no answer"):
        http.request_json("GET", cfg.api_base + "/tasks/x", api_key=FAKE_KEY, policy=http.ONCE, config=stand_in)


def test_create_after_dropped_connection_is_not_resent(sim, cfg):
    sim.inject("/api/v1/services/", method="POST", drop=True)
    with pytest.raises(SubmissionUnknown, match="no wan2.6-t2v task is listed yet"):
        tasks.submit(cfg, VIDEO, BODY, ASYNC_HEADER)  # dropped before the task was made: nothing to adopt
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
        tasks.submit(cfg, VIDEO, body, ASYNC_HEADER)
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


def test_lost_answer_is_recovered_from_the_task_list(sim, slow_cfg):
    # issue 8: after a read timeout the task is looked up, never created twice
    sim.inject("/api/v1/services/", method="POST", delay=1.0)
    notes = []
    task_id, answer = tasks.submit(slow_cfg, VIDEO, BODY, ASYNC_HEADER, notify=notes.append)
    assert task_id in sim.tasks and answer["recovered"]
    assert len(sim.task_posts()) == 1
    assert any("looking for the task" in n for n in notes)


def _foreign_task(sim, cfg, prompt="a fox"):
    """A task of the same model made outside tasks.submit (another process, the console)."""
    body = dict(BODY, input={"prompt": prompt})
    answer = http.request_json("POST", cfg.api_base + VIDEO, body, ASYNC_HEADER, api_key=FAKE_KEY,
                               policy=http.CREATE, config=cfg)
    return answer["output"]["task_id"]


def test_lost_answer_with_several_candidates_is_not_guessed(sim, cfg, slow_cfg):
    foreign = _foreign_task(sim, cfg)
    sim.inject("/api/v1/services/", method="POST", delay=1.0)
    with pytest.raises(SubmissionUnknown, match="2 tasks were created in that moment, so none was adopted") as err:
        tasks.submit(slow_cfg, VIDEO, BODY, ASYNC_HEADER)
    assert foreign in str(err.value) and "--task-id" in str(err.value)
    assert len(sim.task_posts()) == 2


def test_lost_answer_ignores_tasks_this_process_owns(sim, cfg, slow_cfg):
    own, _ = tasks.submit(cfg, VIDEO, BODY, ASYNC_HEADER)
    sim.inject("/api/v1/services/", method="POST", delay=1.0)
    task_id, answer = tasks.submit(slow_cfg, VIDEO, BODY, ASYNC_HEADER)
    assert answer["recovered"] and task_id != own and task_id in sim.tasks
    assert len(sim.task_posts()) == 2


def test_lost_answer_ignores_a_task_echoing_another_prompt(sim, cfg, slow_cfg):
    sim.task_seconds = 0.05  # the foreign task has SUCCEEDED (and echoes its prompt) when the list is read
    foreign = _foreign_task(sim, cfg, prompt="a dog")
    sim.inject("/api/v1/services/", method="POST", delay=1.0)
    task_id, answer = tasks.submit(slow_cfg, VIDEO, BODY, ASYNC_HEADER, prompt="a fox")
    assert answer["recovered"] and task_id != foreign


def test_lost_answers_with_a_rival_in_flight_adopt_nothing(sim, slow_cfg):
    # two submits of the same model lose their answers at once: neither may take the other's task
    sim.inject("/api/v1/services/", method="POST", delay=1.0, times=2)
    errors = []

    def one():
        try:
            tasks.submit(slow_cfg, VIDEO, BODY, ASYNC_HEADER)
        except SubmissionUnknown as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(errors) == 2, errors
    assert all("another request of this run was in flight" in e for e in errors)
    assert len(sim.task_posts()) == 2


def test_redirects_keep_the_key_on_its_origin_and_never_move_a_post(sim, cfg):
    from tests.sim import Sim

    other = Sim(key=FAKE_KEY).start()
    try:
        # a GET may follow a redirect, but the key never goes to another origin
        sim.inject("/api/v1/tasks/a", location=other.base_url + "/api/v1/tasks/a")
        with pytest.raises(ApiError, match="HTTP 401"):
            tasks.fetch(cfg, "a")
        assert other.seen("GET", "/api/v1/tasks/a") and not other.auth_seen()
        # on the same origin the key goes along
        sim.inject("/api/v1/tasks/b", location=sim.base_url + "/api/v1/tasks/c")
        assert tasks.status_of(tasks.fetch(cfg, "b")) == "UNKNOWN"
        assert sim.auth_seen("/api/v1/tasks/c")
        # only http(s) is ever fetched, redirects included
        sim.inject("/api/v1/tasks/d", location="file:///etc/passwd")
        with pytest.raises(ApiError, match="HTTP 302 redirect to file://"):
            tasks.fetch(cfg, "d")
        # a paid POST is never redirected: it may have been taken, so it is SubmissionUnknown, sent once
        sim.inject("/api/v1/services/", method="POST", status=307, location=other.base_url + "/api/v1" + VIDEO)
        with pytest.raises(SubmissionUnknown, match="never redirected.*may have been accepted"):
            http.request_json("POST", cfg.api_base + VIDEO, BODY, ASYNC_HEADER, api_key=FAKE_KEY,
                              policy=http.CREATE, config=cfg)
        assert not other.seen("POST")
    finally:
        other.stop()


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://h/x", "gopher://h", "/relative/path"])
def test_only_http_urls_are_fetched(url):
    with pytest.raises(ApiError, match="only http\\(s\\) URLs are fetched"):
        http.send("GET", url)
