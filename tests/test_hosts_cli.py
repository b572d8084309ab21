"""Token Plan keys, workspace hosts and the hints for refusals about keys, plans, access and hosts,
run as an agent does (issue 13 parts 3 and 4, issue 12 part 7)."""

import json

import pytest

from tests.conftest import all_files_text, assert_no_key, run
from tests.sim import Sim
from tests.sim.hosts import TOKEN_PLAN, WORKSPACE

PLAN_KEY = "sk-sp-test5b2f8d4a9c1e7306b4d9a2f5c8e1b7d3"
SYNC_I = "/api/v1/services/aigc/multimodal-generation/generation"
SYNTH = "/api/v1/services/aigc/video-generation/video-synthesis"
FAST = ["--poll-interval", "0.2", "--timeout", "30"]


@pytest.fixture
def plan_host():
    host = Sim(key=PLAN_KEY, role=TOKEN_PLAN).start()
    yield host
    host.stop()


def plan_run(script, args, workdir, plan_host, sim=None, **kwargs):
    env = dict(kwargs.pop("env", {}), QWEN_TOKEN_PLAN_BASE_URL=plan_host.base_url)
    return run(script, args, workdir, sim=sim, key=PLAN_KEY, env=env, **kwargs)


def test_plan_key_image_goes_to_the_plan_host_with_local_images_inline(plan_host, sim, workdir):
    from tests.mediafiles import png

    png(str(workdir / "in.png"), 640, 480)
    request = {"prompt": "make it an ink sketch", "reference_images": ["in.png"]}
    result = plan_run("image", ["--model", "qwen-image-2.0-pro", "--request", json.dumps(request)] + FAST,
                      workdir, plan_host, sim=sim)
    assert result.code == 0, result
    (post,) = plan_host.task_posts()
    assert post["path"] == SYNC_I and sim.requests == []  # never the standard host
    content = post["json"]["input"]["messages"][0]["content"]
    assert content[0]["image"].startswith("data:image/png;base64,")
    assert plan_host.seen("GET", "/api/v1/uploads") == []  # plan keys never use the temporary upload
    assert "Token Plan host" in result.stderr
    assert_no_key(result.stdout, result.stderr, all_files_text(workdir), key=PLAN_KEY)


def test_plan_key_video_is_submitted_and_polled_on_the_plan_host(plan_host, workdir):
    request = {"prompt": "a horse on a beach", "resolution": "720P"}
    result = plan_run("video", ["--model", "happyhorse-1.1-t2v", "--request", json.dumps(request)] + FAST,
                      workdir, plan_host)
    assert result.code == 0, result
    assert len(plan_host.task_posts()) == 1 and plan_host.seen("GET", "/api/v1/tasks/")


def test_plan_key_local_video_is_exit_2_asking_for_a_url(plan_host, workdir):
    from tests.mediafiles import mp4

    mp4(str(workdir / "clip.mp4"), 320, 240, 2.0, 24.0)
    request = {"prompt": "Video 1 as clay", "reference_videos": ["clip.mp4"]}
    result = plan_run("video", ["--model", "wan3.0-video", "--request", json.dumps(request)], workdir, plan_host)
    assert result.code == 2 and "public" in result.stderr and "URL" in result.stderr, result
    assert plan_host.requests == []


def test_plan_key_batches_are_refused(plan_host, workdir):
    batch = workdir / "b.jsonl"
    batch.write_text("\n".join(json.dumps({"prompt": "p%d" % i, "resolution": "720P"}) for i in (1, 2)) + "\n")
    result = plan_run("video", ["--model", "happyhorse-1.1-t2v", "--file", str(batch)], workdir, plan_host)
    assert result.code == 2 and "interactive" in result.stderr, result
    assert plan_host.requests == []


def test_model_outside_the_plan_warns_then_the_404_says_so(plan_host, workdir):
    request = {"prompt": "a fox", "size": "1280*720"}
    result = plan_run("video", ["--request", json.dumps(request)] + FAST, workdir, plan_host)
    assert result.code == 1, result
    assert "not in the Token Plan model list" in result.stderr
    assert "HTTP 404" in result.stderr and "not in your Token Plan" in result.stderr


def test_coding_plan_key_401_is_explained(plan_host, workdir):
    plan_host.coding_plan_keys.add(PLAN_KEY)
    result = plan_run("video", ["--model", "happyhorse-1.1-t2v", "--request", '{"prompt": "x"}'], workdir,
                      plan_host)
    assert result.code == 1 and "HTTP 401" in result.stderr and "Coding Plan key" in result.stderr, result


def test_check_auth_tells_token_plan_from_coding_plan(plan_host, workdir):
    ok = plan_run("check_auth", ["--print-response"], workdir, plan_host)
    assert ok.code == 0 and ok.json["verdict"] == "token_plan", ok
    assert ok.json["endpoint"].startswith(plan_host.base_url)
    plan_host.coding_plan_keys.add(PLAN_KEY)
    bad = plan_run("check_auth", ["--print-response"], workdir, plan_host)
    assert bad.code == 1 and bad.json["verdict"] == "plan_key" and "Coding Plan" in bad.json["summary"], bad


# Workspace hosts --------------------------------------------------------------------------------------

def test_workspace_id_selects_the_workspace_host(workdir):
    result = run("video", ["--model", "wan3.0-video", "--request", '{"prompt": "x"}', "--dry-run"], workdir,
                 env={"QWEN_WORKSPACE_ID": "llm-abc123", "QWEN_REGION": "ap-southeast-1"})
    assert result.code == 0, result
    assert result.json["url"].startswith("https://llm-abc123.ap-southeast-1.maas.aliyuncs.com/api/v1/")
    assert result.json["poll"].startswith("GET https://llm-abc123.ap-southeast-1.maas.aliyuncs.com/api/v1/tasks/")


@pytest.mark.parametrize("value", ["llm abc", "llm-x/../y", "a" * 80])
def test_bad_workspace_id_is_exit_2(workdir, value):
    result = run("image", ["--request", '{"prompt": "x"}', "--dry-run"], workdir, env={"QWEN_WORKSPACE_ID": value})
    assert result.code == 2 and "QWEN_WORKSPACE_ID" in result.stderr, result


def test_workspace_upload_falls_back_to_the_shared_host_once(tmp_path):
    """In process: getPolicy refused (404) on the workspace host, asked once on the shared host."""
    from qianwen_common import config as qconfig
    from qianwen_common import upload
    from qianwen_common.plan import FileSlot

    from tests.mediafiles import png

    workspace = Sim(role=WORKSPACE, no_upload_policy=True).start()
    shared = Sim(key=workspace.key).start()
    try:
        cfg = qconfig.load_config(cwd=str(tmp_path), environ={"DASHSCOPE_API_KEY": workspace.key,
                                                              "QWEN_BASE_URL": workspace.base_url})
        cfg = qconfig.Config(**dict({n: getattr(cfg, n) for n in cfg.__record_fields__},
                                    upload_fallback=shared.base_url))
        path = png(str(tmp_path / "a.png"), 300, 300)
        url = upload.place(cfg, FileSlot(("input", "img_url"), path, "image"), "wan2.6-i2v-flash")
        assert url.startswith("oss://")
        assert len(workspace.seen("GET", "/api/v1/uploads")) == 1 and len(shared.seen("GET", "/api/v1/uploads")) == 1
    finally:
        workspace.stop()
        shared.stop()


def test_model_not_found_on_the_shared_host_hints_the_workspace(workdir):
    shared = Sim(hide_new_models=True).start()
    try:
        result = run("video", ["--model", "wan3.0-video", "--request", '{"prompt": "x"}'], workdir, sim=shared,
                     key=shared.key)
        assert result.code == 1 and "HTTP 404" in result.stderr and "QWEN_WORKSPACE_ID" in result.stderr, result
    finally:
        shared.stop()


# Hints for key and access refusals --------------------------------------------------------------------

def test_401_points_at_check_auth(sim, workdir):
    sim.inject(SYNTH, method="POST", status=401)
    result = run("video", ["--request", '{"prompt": "x", "size": "1280*720"}'], workdir, sim=sim)
    assert result.code == 1 and "HTTP 401" in result.stderr, result
    assert "qianwen-ops-auth/scripts/check_auth.py" in result.stderr


def test_403_on_a_preview_model_means_apply_for_access(sim, workdir):
    sim.inject(SYNTH, method="POST", status=403, code="AccessDenied", message="Access denied.")
    result = run("video", ["--model", "wan3.0-video", "--request", '{"prompt": "x"}'], workdir, sim=sim)
    assert result.code == 1 and "Model Square" in result.stderr and "not a bad key" in result.stderr, result
