"""image.py end to end against the simulator: every family on its endpoint, sync and async, outputs."""

import json
import os

import pytest
from conftest import FAKE_KEY, SCRIPTS, all_files_text, assert_no_key, find_python, run
from test_image_helpers import (
    IMAGE2IMAGE,
    IMAGE_GENERATION,
    MULTIMODAL,
    TEXT2IMAGE,
    URL1,
    URL2,
    body_of,
    files_in,
    make_png,
    req,
)

from tests.sim import Sim

FAST = ["--poll-interval", "0.1"]


def ok(result):
    assert result.code == 0, result
    return result.json if result.stdout.strip() else None


def test_default_wan26_t2i_sync(sim, workdir, python):  # I-8, I-9, I-12, I-22, SR-4
    target = "output/qianwen-image-generation/images/out.png"
    out = ok(run("image", req(prompt="A cozy flower shop with wooden door") + ["--output", target,
             "--print-response"], workdir, sim=sim, python=python))
    body, headers = body_of(sim, MULTIMODAL)
    assert body["model"] == "wan2.6-t2i" and "X-DashScope-Async" not in headers
    assert body["input"]["messages"][0]["content"] == [{"text": "A cozy flower shop with wooden door"}]
    assert body["parameters"]["n"] == 1 and body["parameters"]["size"] == "1280*1280"
    assert out["task_id"] is None and out["task_status"] == "SUCCEEDED" and out["image_count"] == 1
    assert out["local_path"] == str(workdir / target) and os.path.getsize(out["local_path"]) > 0
    assert (out["width"], out["height"]) == (1280, 1280)
    assert out["seed"] == body["parameters"]["seed"]  # I-45: the seed sent, since the API does not echo it
    assert out["image_url"] == out["image_urls"][0] and out["interleaved_content"] is None


def test_wan26_t2i_async(sim, workdir, python):  # I-7, I-23
    out = ok(run("image", req(prompt="a red bicycle", n=2, seed=7) + ["--async", "--print-response"] + FAST,
             workdir, sim=sim, python=python))
    body, headers = body_of(sim, IMAGE_GENERATION)
    assert headers["X-DashScope-Async"] == "enable" and "messages" in body["input"]
    assert out["task_id"] and out["image_count"] == 2 and len(out["local_paths"]) == 2 and out["seed"] == 7
    assert not sim.seen("POST", MULTIMODAL)


@pytest.mark.parametrize("model,size", [("wan2.5-t2i-preview", "1280*1280"), ("wan2.2-t2i-flash", "1024*1024"),
                                        ("wan2.2-t2i-plus", "1024*1024")])
def test_older_wan_t2i_on_text2image(sim, workdir, python, model, size):  # I-15, SR-1
    result = run("image", ["--model", model, "--print-response"] + FAST
                 + req(prompt="a paper crane", negative_prompt="blurry"), workdir, sim=sim, python=python)
    out = ok(result)
    body, headers = body_of(sim, TEXT2IMAGE)
    assert body["input"] == {"prompt": "a paper crane", "negative_prompt": "blurry"}
    assert body["parameters"]["size"] == size and body["parameters"]["n"] == 1
    assert headers["X-DashScope-Async"] == "enable" and "async task" in result.stderr
    assert out["model"] == model and out["task_id"] and not sim.seen("POST", MULTIMODAL)


def test_wan26_image_edit_several_outputs(sim, workdir, python):  # I-10, I-13, I-35, X-43
    # wan2.6-image edit takes W*H only (768*768 to 1280*1280 in total; no 1K/2K tiers on the official
    # page): the 1K refusal is in test_image_validation.py.
    out = ok(run("image", ["--model", "wan2.6-image", "--output", "shots/out.png", "--print-response"]
                 + req(prompt="image 1 as an ink sketch", reference_images=[URL1, URL2], n=2, size="1024*1024"),
                 workdir, sim=sim, python=python))
    body, _ = body_of(sim, MULTIMODAL)
    assert body["input"]["messages"][0]["content"] == [{"text": "image 1 as an ink sketch"}, {"image": URL1},
                                                       {"image": URL2}]
    assert body["parameters"]["enable_interleave"] is False and body["parameters"]["size"] == "1024*1024"
    assert [os.path.basename(p) for p in out["local_paths"]] == ["out_1.png", "out_2.png"]
    assert out["image_count"] == 2 and len(out["image_urls"]) == 2


def test_reference_image_alias_and_precedence(sim, workdir):  # I-33
    ok(run("image", ["--model", "wan2.6-image"] + req(prompt="p", reference_image=URL2), workdir, sim=sim))
    assert body_of(sim, MULTIMODAL)[0]["input"]["messages"][0]["content"][1] == {"image": URL2}
    ok(run("image", ["--model", "wan2.6-image"] + req(prompt="p", reference_image=URL2, reference_images=[URL1]),
           workdir, sim=sim))
    assert body_of(sim, MULTIMODAL)[0]["input"]["messages"][0]["content"][1:] == [{"image": URL1}]


def test_interleave_async_markdown(sim, workdir, python):  # I-34, I-36, I-43, I-45
    result = run("image", ["--model", "wan2.6-image", "--output", "guide", "--print-response"] + FAST
                 + req(prompt="three steps to fold a paper boat", enable_interleave=True, max_images=3),
                 workdir, sim=sim, python=python)
    out = ok(result)
    body, headers = body_of(sim, IMAGE_GENERATION)
    assert body["parameters"]["enable_interleave"] is True and body["parameters"]["max_images"] == 3
    assert body["parameters"]["n"] == 1 and headers["X-DashScope-Async"] == "enable"
    assert "interleaved text-and-image output (enable_interleave) runs as an async task" in result.stderr
    kinds = [item["type"] for item in out["interleaved_content"]]
    assert kinds == ["text", "image"] * 3 and out["image_count"] == 3
    markdown = open(out["markdown_path"], encoding="utf-8").read()
    assert markdown.index("Step 1.") < markdown.index("image 1") < markdown.index("Step 2.")
    for path in out["local_paths"]:
        assert os.path.basename(path) in markdown and os.path.dirname(path) == str(workdir / "guide")


def test_wan25_i2i_async_images(sim, workdir, python):  # I-14, I-24
    out = ok(run("image", ["--model", "wan2.5-i2i-preview", "--print-response"] + FAST
                 + req(prompt="put the cup from image 1 on the table", reference_images=[URL1, URL2]),
                 workdir, sim=sim, python=python))
    body, headers = body_of(sim, IMAGE2IMAGE)
    assert body["input"]["images"] == [URL1, URL2] and "messages" not in body["input"]
    assert headers["X-DashScope-Async"] == "enable" and out["task_id"]


@pytest.mark.parametrize("model", ["wan2.7-image", "wan2.7-image-pro"])
def test_wan27_sync_t2i_and_async_edit(sim, workdir, model):  # I-21
    ok(run("image", ["--model", model] + req(prompt="a lighthouse at dawn", size="2K"), workdir, sim=sim))
    assert body_of(sim, MULTIMODAL)[0]["parameters"]["size"] == "2K"
    out = ok(run("image", ["--model", model, "--async", "--print-response"] + FAST
                 + req(prompt="add a boat", reference_images=[URL1]), workdir, sim=sim))
    assert body_of(sim, IMAGE_GENERATION)[0]["input"]["messages"][0]["content"][1] == {"image": URL1}
    assert out["task_id"]


@pytest.mark.parametrize("model", ["qwen-image-2.0-pro", "qwen-image-2.0"])
def test_qwen_image_20_generate_and_edit(sim, workdir, python, model):  # I-16, I-18
    out = ok(run("image", ["--model", model, "--print-response"] + req(prompt="a poster that reads OPEN DAY",
                 size="1024*1024", n=3), workdir, sim=sim, python=python))
    assert out["image_count"] == 3 and (out["width"], out["height"]) == (1024, 1024)
    ok(run("image", ["--model", model] + req(prompt="make it blue", reference_images=[URL1]), workdir, sim=sim))
    content = body_of(sim, MULTIMODAL)[0]["input"]["messages"][0]["content"]
    assert content == [{"image": URL1}, {"text": "make it blue"}]


# Plain qwen-image-edit takes no size (corrected fact sheet); its refusal is in test_image_validation.py.
@pytest.mark.parametrize("model,n,size", [("qwen-image-edit-max", 6, "1024*768"),
                                          ("qwen-image-edit-plus", 2, "1024*768"), ("qwen-image-edit", 1, None)])
def test_qwen_edit_family_sync(sim, workdir, model, n, size):  # I-17, I-38
    fields = dict(prompt="replace the sky with stars", reference_images=[URL1], n=n)
    if size:
        fields["size"] = size
    out = ok(run("image", ["--model", model, "--print-response"] + req(**fields), workdir, sim=sim))
    assert out["image_count"] == n and len(set(out["local_paths"])) == n
    params = body_of(sim, MULTIMODAL)[0]["parameters"]
    assert params["n"] == n and params.get("size") == size


def test_qwen_image_plus_sync_and_async(sim, workdir, python):  # I-19, I-25, SR-2
    ok(run("image", ["--model", "qwen-image-plus"] + req(prompt="a tea house in rain"), workdir, sim=sim,
           python=python))
    body, _ = body_of(sim, MULTIMODAL)
    assert body["parameters"] == {"n": 1, "size": "1328*1328", "seed": body["parameters"]["seed"]}
    out = ok(run("image", ["--model", "qwen-image-plus", "--async", "--print-response"] + FAST
                 + req(prompt="a tea house in rain", size="1664*928"), workdir, sim=sim, python=python))
    body, _ = body_of(sim, TEXT2IMAGE)
    assert body["input"] == {"prompt": "a tea house in rain"} and out["task_id"]
    assert (out["width"], out["height"]) == (1664, 928)


def test_qwen_image_max_sync_only(sim, workdir):  # SR-2
    ok(run("image", ["--model", "qwen-image-max"] + req(prompt="a tea house", size="928*1664"), workdir, sim=sim))
    assert body_of(sim, MULTIMODAL)[0]["model"] == "qwen-image-max"
    count = len(sim.requests)
    result = run("image", ["--model", "qwen-image-max", "--async"] + req(prompt="a tea house"), workdir, sim=sim)
    assert result.code == 2 and "sync only" in result.stderr and len(sim.requests) == count


def test_raw_api_form_and_model_override(sim, workdir):  # I-30
    raw = {"model": "wan2.2-t2i-flash", "input": {"prompt": "a crane"}, "parameters": {"size": "800*600"}}
    ok(run("image", ["--request", json.dumps(raw)] + FAST, workdir, sim=sim))
    assert body_of(sim, TEXT2IMAGE)[0]["parameters"]["size"] == "800*600"
    raw = {"model": "wan2.2-t2i-flash", "input": {"messages": [{"role": "user", "content": [{"text": "x"}]}]}}
    ok(run("image", ["--request", json.dumps(raw), "--model", "wan2.6-t2i"], workdir, sim=sim))
    assert body_of(sim, MULTIMODAL)[0]["model"] == "wan2.6-t2i"
    request_file = workdir / "req.json"
    request_file.write_text(json.dumps({"model": "qwen-image-max", "prompt": "from a file"}))
    ok(run("image", ["--file", str(request_file)], workdir, sim=sim))
    assert body_of(sim, MULTIMODAL)[0]["model"] == "qwen-image-max"


def test_local_reference_uploaded(sim, workdir, python):  # I-44, X-34
    make_png(workdir / "cat.png", 800, 600)
    out = ok(run("image", ["--model", "wan2.6-image", "--print-response"]
                 + req(prompt="the cat as a watercolor", reference_images=["cat.png", URL1]),
                 workdir, sim=sim, python=python))
    policy = sim.seen("GET", "/api/v1/uploads")
    assert policy and policy[0]["query"]["model"] == "wan2.6-image"
    assert sim.seen("POST", "/oss")
    body, headers = body_of(sim, MULTIMODAL)
    images = [item["image"] for item in body["input"]["messages"][0]["content"] if "image" in item]
    assert images[0].startswith("oss://dashscope-instant/") and images[1] == URL1
    assert headers["X-DashScope-OssResourceResolve"] == "enable" and out["image_count"] == 1


def test_local_upload_for_wan25_i2i(sim, workdir):
    make_png(workdir / "room.png", 1024, 1024)
    ok(run("image", ["--model", "wan2.5-i2i-preview"] + FAST + req(prompt="add a lamp", reference_image="room.png"),
           workdir, sim=sim))
    body, headers = body_of(sim, IMAGE2IMAGE)
    assert body["input"]["images"][0].startswith("oss://") and headers["X-DashScope-OssResourceResolve"]


def test_never_overwrites(sim, workdir, python):
    args = ["--output", "out.png", "--print-response"] + req(prompt="a cat")
    first = ok(run("image", args, workdir, sim=sim, python=python))
    (workdir / "out.png").write_bytes(b"mine")
    second = ok(run("image", args, workdir, sim=sim, python=python))
    assert first["local_path"] == str(workdir / "out.png")
    assert second["local_path"] == str(workdir / "out_1.png")
    assert (workdir / "out.png").read_bytes() == b"mine"


def test_dry_run_sends_nothing(sim, workdir, python):
    make_png(workdir / "cat.png")
    result = run("image", ["--model", "wan2.6-image", "--dry-run"]
                 + req(prompt="p", reference_images=["cat.png"]), workdir, sim=sim, python=python)
    shown = ok(result)
    assert sim.requests == []
    assert shown["url"].endswith(MULTIMODAL) and shown["body"]["parameters"]["n"] == 1
    assert shown["headers"]["X-DashScope-OssResourceResolve"] == "enable"
    assert "cat.png" in shown["body"]["input"]["messages"][0]["content"][1]["image"]
    assert_no_key(result.stdout, result.stderr)
    assert not (workdir / "output").exists() or files_in(workdir / "output") == []


def test_dry_run_async_shows_header(sim, workdir):
    shown = ok(run("image", ["--model", "wan2.2-t2i-flash", "--dry-run"] + req(prompt="p"), workdir, sim=sim))
    assert shown["headers"]["X-DashScope-Async"] == "enable" and shown["url"].endswith(TEXT2IMAGE)
    assert shown["poll"].startswith("GET ") and sim.requests == []


def test_key_never_leaks(sim, workdir, python):
    sim.inject(MULTIMODAL, method="POST", status=401, echo_key=True)
    result = run("image", req(prompt="a cat") + ["--print-response"], workdir, sim=sim, python=python)
    assert result.code == 1 and "HTTP 401" in result.stderr
    assert_no_key(result.stdout, result.stderr, all_files_text(workdir))


def test_plan_key_warns_then_proceeds(sim, workdir):  # X-24, I-49, CONTRACT: plan keys use the Token Plan host
    plan_key = "sk-sp-" + "9" * 30
    plan_host = Sim(key=plan_key).start()  # the Token Plan host; `sim` (QWEN_BASE_URL) must get nothing
    try:
        result = run("image", req(prompt="a cat"), workdir, sim=sim, key=plan_key,
                     env={"QWEN_TOKEN_PLAN_BASE_URL": plan_host.base_url})
        assert result.code == 0, result
        assert "QWEN_BASE_URL is not used with a plan key (sk-sp-)" in result.stderr
        # the default model is not on the plan's image list: said, then sent anyway
        assert "wan2.6-t2i is not on the Token Plan image list" in result.stderr
        assert plan_host.seen("POST", MULTIMODAL) and sim.requests == []
        assert_no_key(result.stdout, result.stderr, all_files_text(workdir), key=plan_key)
    finally:
        plan_host.stop()


def test_timeout_exit3_then_resume(sim, workdir, python):  # never lose a paid task
    sim.task_seconds = 30
    result = run("image", ["--async", "--timeout", "0.3"] + FAST + req(prompt="a cat"), workdir, sim=sim,
                 python=python)
    assert result.code == 3, result
    lines = dict(line.split(": ", 1) for line in result.stderr.splitlines() if line.startswith(("task_id:",
                                                                                               "resume:")))
    task_id = lines["task_id"]
    assert "--task-id %s" % task_id in lines["resume"] and SCRIPTS["image"] in lines["resume"]
    sim.tasks[task_id]["seconds"] = 0
    out = ok(run("image", ["--task-id", task_id, "--model", "wan2.6-t2i", "--print-response"], workdir, sim=sim,
                 python=python))
    assert out["task_id"] == task_id and os.path.getsize(out["local_path"]) > 0
    assert len(sim.task_posts()) == 1


def test_lost_submit_answer_is_recovered_not_resent(sim, workdir):  # CONTRACT retries
    sim.inject(IMAGE_GENERATION, method="POST", drop_after=0)  # the task is created, the answer is lost
    result = run("image", ["--async", "--print-response"] + FAST + req(prompt="a cat"), workdir, sim=sim)
    out = ok(result)
    assert len(sim.seen("POST", IMAGE_GENERATION)) == 1 and out["task_id"] in sim.tasks
    assert "instead of sending it again" in result.stderr


def test_sync_timeout_not_resent(sim, workdir):
    sim.inject(MULTIMODAL, method="POST", status=503)
    result = run("image", req(prompt="a cat"), workdir, sim=sim)
    assert result.code == 1 and "billed" in result.stderr and "re-send" in result.stderr
    assert len(sim.task_posts()) == 1


def test_429_is_retried(sim, workdir):
    sim.inject(MULTIMODAL, method="POST", status=429, retry_after=0)
    ok(run("image", req(prompt="a cat"), workdir, sim=sim))
    assert len(sim.seen("POST", MULTIMODAL)) == 2


def test_wrong_route_answer_tries_other_route_once(sim, workdir):  # issue: one retry on the other route
    refusal = json.dumps({"code": "AccessDenied", "message": "current user api does not support synchronous calls"})
    sim.inject(MULTIMODAL, method="POST", status=403, body=refusal)
    result = run("image", ["--print-response"] + FAST + req(prompt="a cat"), workdir, sim=sim)
    out = ok(result)
    assert "trying the other documented route once" in result.stderr and out["task_id"]
    assert len(sim.seen("POST", MULTIMODAL)) == 1 and len(sim.seen("POST", IMAGE_GENERATION)) == 1


def test_other_4xx_is_not_rerouted(sim, workdir):
    sim.inject(MULTIMODAL, method="POST", status=400)
    result = run("image", req(prompt="a cat"), workdir, sim=sim)
    assert result.code == 1 and "HTTP 400" in result.stderr and len(sim.task_posts()) == 1


def test_task_failed_reports_code_and_id(sim, workdir):
    sim.outcome = "FAILED"
    result = run("image", ["--model", "wan2.2-t2i-flash"] + FAST + req(prompt="a cat"), workdir, sim=sim)
    assert result.code == 1 and "FAILED" in result.stderr and "InternalError" in result.stderr
    assert "task_id: " in result.stderr


def test_download_failure_is_exit_1_with_links(sim, workdir):
    sim.inject("/files/", method="GET", status=404, times=10)
    result = run("image", req(prompt="a cat"), workdir, sim=sim)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    link = sim.seen("GET", "/files/")[0]["path"]
    assert result.code == 1 and len(errors) == 1, result  # one error: line, the links on it
    assert "Not saved (links valid 24 h): " in errors[0] and link in errors[0]
    assert [f for f in files_in(workdir) if f.endswith(".png")] == []


def test_output_inside_skills_tree_refused(sim, workdir):
    target = os.path.join(os.path.dirname(SCRIPTS["image"]), "out.png")
    result = run("image", ["--output", target] + req(prompt="a cat"), workdir, sim=sim)
    assert result.code == 2 and sim.requests == []


def test_missing_key_exit_2(sim, workdir):
    result = run("image", req(prompt="a cat"), workdir, sim=sim, key=None)
    assert result.code == 2 and "DASHSCOPE_API_KEY" in result.stderr and sim.requests == []


def test_help_lists_flags(workdir, python):
    result = run("image", ["--help"], workdir, python=python)
    for flag in ("--request", "--file", "--model", "--async", "--output", "--print-response", "--dry-run",
                 "--quiet", "--task-id", "--timeout", "--poll-interval"):
        assert flag in result.stdout
    assert result.code == 0 and "examples:" in result.stdout and "exit codes" in result.stdout


def test_old_python_refused(workdir):
    old = find_python("3.6") or find_python("3.8")
    if not old:
        pytest.skip("no Python older than 3.9 here")
    result = run("image", ["--help"], workdir, python=old)
    assert result.code == 2 and "Python 3.9+ required" in result.stderr


def test_quiet_keeps_task_id(sim, workdir):
    # --quiet keeps only the bills: line before paying and the task lines printed right after the submit.
    result = run("image", ["--quiet", "--async"] + FAST + req(prompt="a cat"), workdir, sim=sim)
    assert result.code == 0 and result.json["image_count"] == 1  # stdout: the JSON, always
    task_id = result.json["task_id"]
    lines = [line for line in result.stderr.splitlines() if line]
    assert lines == ["bills: 1 image (wan2.6-t2i)", "task_id: %s" % task_id,
                     "resume: python3 %s --task-id %s" % (SCRIPTS["image"], task_id),
                     "check: python3 %s --task-id %s --poll-once" % (SCRIPTS["image"], task_id)], result
    assert FAKE_KEY not in result.stderr


def test_data_and_oss_urls_pass_through(sim, workdir):
    data_url = "data:image/png;base64,iVBORw0KGgo="
    ok(run("image", ["--model", "qwen-image-edit-plus"] + req(prompt="p", reference_images=[data_url, URL1]),
           workdir, sim=sim))
    body, headers = body_of(sim, MULTIMODAL)
    assert [c.get("image") for c in body["input"]["messages"][0]["content"][:2]] == [data_url, URL1]
    assert not sim.seen("GET", "/api/v1/uploads") and "X-DashScope-OssResourceResolve" not in headers
