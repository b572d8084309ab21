"""One request pipeline (issue 12): what the dry run shows is what is sent, for single runs and batches of
both scripts; --task-id resumes name the model and mode; running writes nothing into the skill folder."""

import json
import os
import shutil

import pytest

from tests.conftest import SCRIPTS, run, script_env

FAST = ["--poll-interval", "0.2", "--timeout", "30"]
SINGLE = {
    "image": [(["--model", "qwen-image-3.0"], {"prompt": "a poster that reads OPEN DAY"}),
              (["--async"], {"prompt": "a red bicycle", "size": "1280*1280", "n": 2}),
              (["--model", "wan2.2-t2i-flash"], {"prompt": "a paper crane"})],
    "video": [([], {"prompt": "a fox", "size": "1280*720", "duration": 5}),
              (["--model", "wan3.0-video"], {"prompt": "Image 1 waves", "reference_images": ["https://e.com/a.png"],
                                             "resolution": "720P"}),
              (["--model", "happyhorse-1.0-t2v"], {"prompt": "a horse", "resolution": "720P"})],
}


@pytest.mark.parametrize("script,args,request_", [(s, a, r) for s, cases in SINGLE.items() for a, r in cases])
def test_dry_run_body_is_the_body_sent(sim, workdir, script, args, request_):
    dry = run(script, args + ["--request", json.dumps(request_), "--dry-run"], workdir, sim=sim)
    assert dry.code == 0, dry
    seed = dry.json["body"]["parameters"]["seed"]
    real = run(script, args + ["--request", json.dumps(dict(request_, seed=seed))] + FAST, workdir, sim=sim)
    assert real.code == 0, real
    (post,) = sim.task_posts()
    assert post["json"] == dry.json["body"]
    assert post["path"] == dry.json["url"][len(sim.base_url):]
    for name, value in dry.json["headers"].items():
        if name != "Authorization":
            assert post["headers"].get(name) == value


@pytest.mark.parametrize("script,items", [
    ("image", [{"prompt": "one"}, {"prompt": "two", "model": "qwen-image-2.0", "size": "1024*1024"}]),
    ("video", [{"prompt": "a", "size": "1280*720"}, {"prompt": "b", "model": "wan2.7-t2v", "resolution": "720P"}])])
def test_batch_dry_run_bodies_are_the_bodies_sent(sim, workdir, script, items):
    batch = workdir / "b.json"
    batch.write_text(json.dumps(items))
    dry = run(script, ["--file", str(batch), "--dry-run"], workdir, sim=sim)
    assert dry.code == 0, dry
    bodies = [item["body"] for item in dry.json["items"]]
    seeded = [dict(item, seed=body["parameters"]["seed"]) for item, body in zip(items, bodies)]
    batch.write_text(json.dumps(seeded))
    real = run(script, ["--file", str(batch), "--concurrency", "1"] + FAST, workdir, sim=sim)
    assert real.code == 0, real
    sent = sorted((p["json"] for p in sim.task_posts()), key=lambda body: body["parameters"]["seed"])
    assert sent == sorted(bodies, key=lambda body: body["parameters"]["seed"])
    state_path = real.json["state_path"]
    with open(state_path) as handle:
        stored = [item["plan"]["body"] for item in json.load(handle)["items"]]
    assert sorted(stored, key=lambda b: b["parameters"]["seed"]) == sent  # the state holds the exact plans


def test_task_id_resume_names_model_and_mode(sim, workdir):
    body = {"prompt": "a fox", "resolution": "720P"}
    submitted = run("video", ["--model", "wan2.7-t2v", "--request", json.dumps(body), "--submit-only"], workdir,
                    sim=sim)
    task_id = submitted.stdout.strip()
    from_record = run("video", ["--task-id", task_id] + FAST, workdir, sim=sim)
    assert from_record.code == 0, from_record
    assert (from_record.json["mode"], from_record.json["model"]) == ("t2v", "wan2.7-t2v")
    assert os.path.basename(from_record.json["local_path"]).startswith("t2v_")
    elsewhere = run("video", ["--task-id", task_id, "--output", str(workdir / "other")] + FAST, workdir, sim=sim)
    assert elsewhere.code == 0, elsewhere  # no record there: the task list names the model
    assert (elsewhere.json["mode"], elsewhere.json["model"]) == ("t2v", "wan2.7-t2v")


def test_running_writes_nothing_inside_the_skill_folder(sim, workdir, tmp_path):
    skill = tmp_path / "installed" / "qianwen-video-generation"
    shutil.copytree(os.path.dirname(os.path.dirname(SCRIPTS["video"])), str(skill),
                    ignore=shutil.ignore_patterns("__pycache__"))
    before = sorted(os.path.relpath(os.path.join(b, n), str(skill)) for b, _d, ns in os.walk(str(skill)) for n in ns)
    env = {"PYTHONDONTWRITEBYTECODE": None}  # as installed: bytecode may be written, but not here
    script = str(skill / "scripts" / "video.py")
    for args in (["--request", '{"prompt": "x", "size": "1280*720"}'] + FAST, ["--help"],
                 ["--request", '{"prompt": "x"}', "--dry-run"]):
        result = run(script, args, workdir, sim=sim, env=env)
        assert result.code == 0, result
    after = sorted(os.path.relpath(os.path.join(b, n), str(skill)) for b, _d, ns in os.walk(str(skill)) for n in ns)
    assert after == before
    assert script_env(sim, extra=env).get("PYTHONDONTWRITEBYTECODE") is None
