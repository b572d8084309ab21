"""pipeline (against tests/sim), plan and billing: the one sender of a plan, the plan's own form, the bills."""

import io
import json

import pytest
from conftest import FAKE_KEY
from qianwen_common import billing, cli, http, output, pipeline
from qianwen_common.config import load_config
from qianwen_common.errors import ApiError, StillRunning, SubmissionUnknown, TaskFailed
from qianwen_common.plan import ASYNC_HEADER, RESOLVE_HEADER, FileSlot, Plan

VIDEO = "/services/aigc/video-generation/video-synthesis"
IMAGE_SYNC = "/services/aigc/multimodal-generation/generation"
SCRIPT = "/opt/skills/qianwen-video-generation/scripts/video.py"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 600


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(http, "BACKOFF_BASE", 0.01)


@pytest.fixture
def cfg(sim, tmp_path):
    return load_config(cwd=str(tmp_path), environ={"DASHSCOPE_API_KEY": FAKE_KEY, "QWEN_BASE_URL": sim.base_url})


def video_plan(prompt="a fox", **kwargs):
    body = {"model": "wan2.6-t2v", "input": {"prompt": prompt}, "parameters": {"size": "1280*720", "duration": 5}}
    fields = dict(model="wan2.6-t2v", mode="t2v", endpoint=VIDEO, is_async=True, body=body,
                  billing=billing.make([billing.unit(billing.VIDEO_SECONDS, 5, "wan2.6-t2v", "720P", True)]),
                  facts={"prompt": prompt})
    fields.update(kwargs)
    return Plan(**fields)


def image_plan(**kwargs):
    body = {"model": "wan2.6-t2i", "input": {"messages": [{"role": "user", "content": [{"text": "a cat"}]}]},
            "parameters": {"n": 1}}
    fields = dict(model="wan2.6-t2i", mode="t2i", endpoint=IMAGE_SYNC, is_async=False, body=body,
                  billing=billing.make([billing.unit(billing.IMAGE, 1, "wan2.6-t2i")]), facts={"prompt": "a cat"})
    fields.update(kwargs)
    return Plan(**fields)


class Recorder:
    """A Run and what reached it: the finisher's calls, on_task calls and the progress lines."""

    def __init__(self, **kwargs):
        self.finished, self.tasks, self.stream = [], [], io.StringIO()
        fields = dict(notify=output.Progress(stream=self.stream),
                      resume_for=lambda task_id: cli.resume_command(SCRIPT, task_id),
                      check_for=lambda task_id: cli.check_command(SCRIPT, task_id),
                      finish=self.finish, interval=0.05, timeout=20)
        fields.update(kwargs)
        self.run = pipeline.Run(**fields)

    def finish(self, plan, answer, task_id):
        self.finished.append((plan, answer, task_id))
        return {"done": True, "task_id": task_id}

    @property
    def lines(self):
        return self.stream.getvalue()


# -- sending

def test_sync_call(sim, cfg, capsys):
    rec = Recorder()
    assert pipeline.send(image_plan(), cfg, rec.run) == {"done": True, "task_id": None}
    (plan, answer, task_id), = rec.finished
    assert plan.model == "wan2.6-t2i" and task_id is None and answer["output"]["choices"]
    post, = sim.seen("POST", "/api/v1" + IMAGE_SYNC)
    assert "X-DashScope-Async" not in post["headers"] and post["json"] == image_plan().body
    assert "task_id:" not in capsys.readouterr().err  # no task, no task lines
    assert "wan2.6-t2i sync call" in rec.lines


def test_async_submit_and_wait(sim, cfg, capsys):
    sim.task_seconds = 0.3
    rec = Recorder()
    result = pipeline.send(video_plan(), cfg, rec.run)
    task_id = result["task_id"]
    assert task_id in sim.tasks and len(sim.task_posts()) == 1
    post = sim.task_posts()[0]
    assert post["headers"]["X-DashScope-Async"] == "enable" and post["json"] == video_plan().body
    (_plan, answer, finished_id), = rec.finished
    assert finished_id == task_id and answer["output"]["task_status"] == "SUCCEEDED"
    err = capsys.readouterr().err
    assert "task_id: %s\nresume: %s\ncheck: %s\n" % (task_id, cli.resume_command(SCRIPT, task_id),
                                                      cli.check_command(SCRIPT, task_id)) in err


def test_local_files_are_uploaded_and_the_resolve_header_added(sim, cfg, tmp_path):
    image = tmp_path / "cat.png"
    image.write_bytes(PNG)
    body = {"model": "wan2.6-i2v", "input": {"prompt": "x", "img_url": str(image)},
            "parameters": {"resolution": "720P"}}
    plan = Plan(model="wan2.6-i2v", mode="i2v", endpoint=VIDEO, is_async=True, body=body,
                files=(FileSlot(("input", "img_url"), str(image), "image"),))
    sent_body, headers = pipeline.prepare(plan, cfg, output.Progress(stream=io.StringIO()))
    assert sent_body["input"]["img_url"].startswith("oss://") and plan.body["input"]["img_url"] == str(image)
    assert headers == dict(ASYNC_HEADER, **RESOLVE_HEADER)
    assert len(sim.seen("GET", "/api/v1/uploads")) == 1


def test_plan_keys_inline_local_images_without_any_request(sim, tmp_path):
    plan_cfg = load_config(cwd=str(tmp_path), environ={"DASHSCOPE_API_KEY": "sk-sp-plan0000000000000",
                                                       "QWEN_TOKEN_PLAN_BASE_URL": sim.base_url})
    image = tmp_path / "cat.png"
    image.write_bytes(PNG)
    plan = Plan(model="happyhorse-1.1-i2v", mode="i2v", endpoint=VIDEO, is_async=True,
                body={"model": "happyhorse-1.1-i2v", "input": {"media": [{"type": "first_frame", "url": "cat.png"}]}},
                files=(FileSlot(("input", "media", 0, "url"), str(image), "image"),))
    sent_body, _headers = pipeline.prepare(plan, plan_cfg, output.Progress(stream=io.StringIO()))
    assert sent_body["input"]["media"][0]["url"].startswith("data:image/png;base64,")
    assert sim.requests == []


# -- the fallback route: only after a routing refusal, which is never billed

def test_fallback_only_after_a_routing_refusal(sim, cfg, capsys):
    # the first route calls an async-only endpoint synchronously: the API refuses it before any work
    first = video_plan(is_async=False, fallback=video_plan())
    rec = Recorder()
    result = pipeline.send(first, cfg, rec.run)
    posts = sim.task_posts()
    assert len(posts) == 2 and "X-DashScope-Async" not in posts[0]["headers"]
    assert posts[1]["headers"]["X-DashScope-Async"] == "enable"
    assert result["task_id"] in sim.tasks and rec.finished[0][0].is_async  # the finisher gets the plan used
    assert "refused this call style" in rec.lines and "nothing was billed" in rec.lines
    assert "task_id: %s" % result["task_id"] in capsys.readouterr().err


@pytest.mark.parametrize("fault", [
    dict(status=400, code="InvalidParameter", message="parameters.size is not supported"),  # a real refusal
    dict(status=403, code="AccessDenied", message="Access denied: workspace not activated"),
    dict(status=401, code="InvalidApiKey", message="url error"),  # right words, wrong status
])
def test_other_refusals_never_take_the_fallback(sim, cfg, fault):
    sim.inject("/api/v1/services/", method="POST", **fault)
    with pytest.raises(ApiError, match="HTTP %d" % fault["status"]):
        pipeline.send(video_plan(is_async=False, fallback=video_plan()), cfg, Recorder().run)
    assert len(sim.task_posts()) == 1


def test_a_lost_sync_answer_is_never_sent_again(sim, cfg):
    sim.inject("/api/v1/services/", method="POST", status=500)
    with pytest.raises(SubmissionUnknown, match="may have been billed"):
        pipeline.send(image_plan(fallback=image_plan()), cfg, Recorder().run)
    assert len(sim.seen("POST", "/api/v1/services/")) == 1


# -- announcing the task: stderr first, then anything else

def test_announce_prints_the_task_before_on_task_runs(sim, cfg, capsys):
    seen = []

    def on_task(task_id, _plan):
        seen.append((task_id, capsys.readouterr().err))

    rec = Recorder(on_task=on_task)
    result = pipeline.send(video_plan(), cfg, rec.run)
    (task_id, err), = seen
    assert task_id == result["task_id"]
    assert err.startswith("task_id: %s\nresume: " % task_id)  # nothing else reached stderr before it
    assert "check: " in err and "--poll-once" in err


def test_on_task_failure_names_the_task(sim, cfg, capsys):
    def on_task(_task_id, _plan):
        raise OSError("disk full")

    with pytest.raises(ApiError, match="disk full") as err:
        pipeline.send(video_plan(), cfg, Recorder(on_task=on_task).run)
    task_id = next(iter(sim.tasks))
    assert err.value.task_id == task_id and err.value.resume == cli.resume_command(SCRIPT, task_id)
    assert "task_id: %s" % task_id in capsys.readouterr().err


def test_announce_without_check_command(capsys):
    pipeline.announce("t-1", pipeline.Run(notify=None, resume_for=lambda t: "python3 /x/video.py --task-id " + t),
                      None)
    assert capsys.readouterr().err == "task_id: t-1\nresume: python3 /x/video.py --task-id t-1\n"


# -- after the submit: every exit names the task

def test_submit_only_does_not_poll(sim, cfg):
    result = pipeline.send(video_plan(), cfg, Recorder(submit_only=True).run)
    assert result["submitted"] and result["task_id"] in sim.tasks
    assert not sim.seen("GET", "/api/v1/tasks/")


def test_poll_once_and_timeout_give_still_running(sim, cfg):
    sim.task_seconds = 30
    with pytest.raises(StillRunning) as err:
        pipeline.send(video_plan(), cfg, Recorder(once=True).run)
    task_id = err.value.task_id
    assert task_id in sim.tasks and err.value.resume == cli.resume_command(SCRIPT, task_id)
    assert err.value.exit_code == 3
    with pytest.raises(StillRunning, match="--timeout"):
        pipeline.send(video_plan(), cfg, Recorder(timeout=0.3).run)


def test_failed_task_is_task_failed_with_hint_and_commands(sim, cfg):
    sim.outcome, sim.task_seconds = "FAILED", 0.1
    sim.failure_code, sim.failure_message = "InvalidParameter.DataInspection", "flagged\nby inspection"
    with pytest.raises(TaskFailed) as err:
        pipeline.send(video_plan(), cfg, Recorder().run)
    text, task_id = str(err.value), err.value.task_id
    assert task_id in sim.tasks and "\n" not in text
    assert "InvalidParameter.DataInspection" in text and "reword the prompt" in text
    assert err.value.check == cli.check_command(SCRIPT, task_id) and err.value.code.endswith("DataInspection")


@pytest.mark.parametrize("status,words", [("CANCELED", "was CANCELED"), ("UNKNOWN", "older than 24 h")])
def test_failed_texts(status, words):
    error = pipeline.failed("t-9", status, {"output": {"task_status": status}})
    assert isinstance(error, TaskFailed) and words in str(error)


def test_finisher_errors_name_the_task(sim, cfg):
    def broken(_plan, _answer, _task_id):
        raise RuntimeError("unexpected")

    with pytest.raises(ApiError, match="RuntimeError: unexpected") as err:
        pipeline.send(video_plan(), cfg, Recorder(finish=broken).run)
    assert err.value.task_id in sim.tasks and err.value.resume


def test_interrupt_after_the_submit_is_still_running(sim, cfg):
    def interrupted(_plan, _answer, _task_id):
        raise KeyboardInterrupt

    with pytest.raises(StillRunning, match="interrupted") as err:
        pipeline.send(video_plan(), cfg, Recorder(finish=interrupted).run)
    assert err.value.task_id in sim.tasks


# -- plan

def full_plan():
    return Plan(model="wan2.6-r2v", mode="r2v", endpoint=VIDEO, is_async=True, label="line3",
                body={"model": "wan2.6-r2v", "input": {"prompt": "x", "reference_urls": ["a.png", "oss://b/c.mp4"]},
                      "parameters": {"seed": 42}},
                files=(FileSlot(("input", "reference_urls", 0), "a.png", "image"),),
                billing=billing.make([billing.unit(billing.VIDEO_SECONDS, 5, "wan2.6-r2v", "720P")], ["audio on"]),
                notes=("seed: 42",), checked=False, facts={"prompt": "x", "seed": 42},
                fallback=video_plan(is_async=False))


def test_plan_round_trip_through_json():
    plan = full_plan()
    data = json.loads(json.dumps(plan.to_dict()))
    assert Plan.from_dict(data) == plan
    assert data["async"] is True and data["files"] == [{"where": ["input", "reference_urls", 0], "local": "a.png",
                                                        "kind": "image"}]
    assert data["fallback"]["async"] is False and "fallback" not in data["fallback"]
    assert Plan.from_dict(video_plan().to_dict()).fallback is None


def test_with_urls_replaces_slots_in_a_copy():
    plan = full_plan()
    body = plan.with_urls(["oss://dashscope-instant/x/a.png"])
    assert body["input"]["reference_urls"] == ["oss://dashscope-instant/x/a.png", "oss://b/c.mp4"]
    assert plan.body["input"]["reference_urls"][0] == "a.png"  # the plan is never changed
    two = Plan(model="m", mode="kf2v", endpoint=VIDEO, is_async=True,
               body={"input": {"first_frame_url": "1.png", "last_frame_url": "2.png"}},
               files=(FileSlot(("input", "first_frame_url"), "1.png", "image"),
                      FileSlot(("input", "last_frame_url"), "2.png", "image")))
    assert two.with_urls(["u1", "u2"])["input"] == {"first_frame_url": "u1", "last_frame_url": "u2"}


def test_plan_headers():
    assert video_plan().headers() == ASYNC_HEADER
    assert image_plan().headers() == {}
    assert full_plan().headers() == dict(ASYNC_HEADER, **RESOLVE_HEADER)  # a local file becomes oss://
    remote = video_plan(body={"input": {"media": [{"url": "oss://b/k.png"}]}})
    assert remote.headers() == dict(ASYNC_HEADER, **RESOLVE_HEADER)  # an oss:// the user gave
    assert image_plan().headers({"input": {"x": ["https://h/oss://not-a-ref"]}}) == {}


# -- billing

@pytest.mark.parametrize("units,line", [
    ([billing.unit(billing.VIDEO_SECONDS, 10, "wan2.6-t2v", "1080P", True)],
     "10 s of 1080P video with audio (wan2.6-t2v)"),
    ([billing.unit(billing.VIDEO_SECONDS, 5.0, "m", None, False)], "5 s of video without audio (m)"),
    ([billing.unit(billing.VIDEO_SECONDS, 15, "m", "720P", None, exact=False)], "up to 15 s of 720P video (m)"),
    ([billing.unit(billing.IMAGE, 1, "wan2.6-t2i")], "1 image (wan2.6-t2i)"),
    ([billing.unit(billing.IMAGE, 4, "wan2.7-image", tier="2K")], "4 images at the 2K tier (wan2.7-image)"),
    ([billing.unit(billing.INPUT_VIDEO_SECONDS, 3.25, "v")], "3.25 s of input video (v)"),
    ([billing.unit(billing.UNKNOWN, None, "new-model", exact=False)],
     "not known locally (new-model is not in the bundle's table; the API decides)"),
    ([billing.unit(billing.VIDEO_SECONDS, 5, "e", "720P"), billing.unit(billing.INPUT_VIDEO_SECONDS, 8, "e")],
     "5 s of 720P video (e); 8 s of input video (e)"),
    ([], "nothing"),
])
def test_describe(units, line):
    assert billing.describe(units) == line
    assert billing.make(units)["summary"] == line


def test_total_groups_and_sums():
    a = billing.make([billing.unit(billing.VIDEO_SECONDS, 5, "m", "720P", True)], ["audio on (API default)"])
    b = billing.make([billing.unit(billing.VIDEO_SECONDS, 10, "m", "720P", True, exact=False)])
    c = billing.make([billing.unit(billing.VIDEO_SECONDS, 5, "m", "1080P", True)], ["audio on (API default)"])
    d = billing.make([billing.unit(billing.IMAGE, 2, "i")])
    total = billing.total([a, b, c, d, None])
    assert [u["count"] for u in total["units"]] == [15, 5, 2]
    assert total["summary"] == ("up to 15 s of 720P video with audio (m); 5 s of 1080P video with audio (m); "
                                "2 images (i)")
    assert total["assumed"] == ["audio on (API default)"]
    assert billing.total([])["summary"] == "nothing"
    unknown = billing.total([billing.make([billing.unit(billing.UNKNOWN, None, "x", exact=False)])] * 2)
    assert unknown["summary"].startswith("not known locally (x")
