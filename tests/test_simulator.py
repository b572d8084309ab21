"""The simulator refuses what the real service refuses (so client tests mean something)."""

import json
import urllib.error
import urllib.request

import pytest
from conftest import FAKE_KEY


def call(sim, path, body=None, headers=None, key=FAKE_KEY, method=None):
    data = json.dumps(body).encode() if body is not None else None
    all_headers = {"Content-Type": "application/json"}
    if key:
        all_headers["Authorization"] = "Bearer " + key
    all_headers.update(headers or {})
    request = urllib.request.Request(sim.base_url + path, data=data, headers=all_headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, raw.decode()


ASYNC = {"X-DashScope-Async": "enable"}
MM = "/api/v1/services/aigc/multimodal-generation/generation"
T2I = "/api/v1/services/aigc/text2image/image-synthesis"
VIDEO = "/api/v1/services/aigc/video-generation/video-synthesis"
KF2V = "/api/v1/services/aigc/image2video/video-synthesis"


def msg(model, text="a cat", images=()):
    content = [{"text": text}] + [{"image": i} for i in images]
    return {"model": model, "input": {"messages": [{"role": "user", "content": content}]},
            "parameters": {"n": 1}}


def test_bad_key_and_no_key(sim):
    assert call(sim, "/api/v1/tasks/x", key="sk-wrong")[0] == 401
    status, body = call(sim, "/api/v1/tasks/x", key=None)
    assert status == 401 and body["code"] == "InvalidApiKey"


def test_sync_image_route(sim):
    status, body = call(sim, MM, msg("wan2.6-t2i"))
    assert status == 200 and body["output"]["choices"][0]["message"]["content"][0]["image"]


@pytest.mark.parametrize("path,body,headers,code", [
    (T2I, {"model": "wan2.2-t2i-flash", "input": {"prompt": "x"}}, {}, 403),          # no async header
    (MM, msg("wan2.6-t2i"), ASYNC, 403),                                                 # sync-only route
    (MM, msg("wan2.5-t2i-preview"), {}, 400),                                            # wrong route
    (T2I, msg("wan2.2-t2i-flash"), ASYNC, 400),                                          # wrong body style
    (MM, msg("no-such-model"), {}, 404),
    (MM, msg("wan2.6-image", images=["oss://dashscope-instant/x/a.png"]), {}, 400),      # no resolve header
    (VIDEO, {"model": "wan2.2-kf2v-flash", "input": {"first_frame_url": "https://a/b.png",
                                                    "last_frame_url": "https://a/c.png"}}, ASYNC, 400),
    (KF2V, {"model": "wan2.6-t2v", "input": {"prompt": "x"}}, ASYNC, 400),
    (VIDEO, {"model": "wan2.7-t2v", "input": {"prompt": "x"}, "parameters": {"size": "1280*720"}}, ASYNC, 400),
    (VIDEO, {"model": "wan2.6-t2v", "input": {"prompt": "x"}, "parameters": {"resolution": "720P"}}, ASYNC, 400),
])
def test_refusals(sim, path, body, headers, code):
    status, answer = call(sim, path, body, headers)
    # a model on the wrong route: the real code is undocumented; any 4xx refusal will do
    assert status == code or (code == 400 and status == 404), answer
    assert answer["code"] and answer["request_id"]


def test_task_lifecycle_and_unknown(sim):
    sim.task_seconds = 0.3
    status, body = call(sim, VIDEO, {"model": "wan2.6-t2v", "input": {"prompt": "x"}}, ASYNC)
    task_id = body["output"]["task_id"]
    assert body["output"]["task_status"] == "PENDING"
    import time
    time.sleep(0.4)
    assert call(sim, "/api/v1/tasks/" + task_id)[1]["output"]["task_status"] == "SUCCEEDED"
    assert call(sim, "/api/v1/tasks/nope")[1]["output"]["task_status"] == "UNKNOWN"
    listed = call(sim, "/api/v1/tasks?model_name=wan2.6-t2v")[1]
    assert listed["data"][0]["task_id"] == task_id


def test_compat_probe(sim):
    status, body = call(sim, "/compatible-mode/v1/chat/completions",
                        {"model": "qwen-turbo", "messages": [{"role": "user", "content": "hi"}]})
    assert status == 200 and body["choices"][0]["message"]["content"]
    status, body = call(sim, "/compatible-mode/v1/chat/completions", {"messages": [1]}, key="sk-bad")
    assert status == 401 and body["error"]["code"] == "invalid_api_key"


def wait_done(sim, task_id, seconds=3.0):
    import time
    deadline = time.time() + seconds
    while time.time() < deadline:
        output = call(sim, "/api/v1/tasks/" + task_id)[1]["output"]
        if output["task_status"] not in ("PENDING", "RUNNING"):
            return output
        time.sleep(0.05)
    raise AssertionError("task %s still running" % task_id)


def fast(sim):
    sim.task_seconds, sim.pending_seconds = 0.1, 0.02
    return sim


IMG = "https://example.com/a.png"


def wan3(media=None, **params):
    data = {"prompt": "a fox"} if media is None else {"media": media}
    return {"model": "wan3.0-video", "input": data, "parameters": params}


def test_wan3_success_usage_and_orig_prompt_only_after_success(sim):
    fast(sim)
    status, body = call(sim, VIDEO, wan3(resolution="720P", ratio="9:16", duration=7, audio=False, seed=1,
                                         prompt_extend=True, watermark=False), ASYNC)
    assert status == 200
    task_id = body["output"]["task_id"]
    first = call(sim, "/api/v1/tasks/" + task_id)[1]["output"]
    assert "orig_prompt" not in first and "video_url" not in first
    output = wait_done(sim, task_id)
    assert output["orig_prompt"] == "a fox" and output["video_url"].endswith("Signature=sim%2Bsig")
    assert output["scheduled_time"] and output["end_time"]
    usage = call(sim, "/api/v1/tasks/" + task_id)[1]["usage"]
    assert usage == {"video_count": 1, "duration": 7.0, "input_video_duration": 0.0, "output_video_duration": 7.0,
                     "fps": 30, "SR": 720, "ratio": "9:16"}


@pytest.mark.parametrize("params,data", [
    ({"size": "1280*720"}, None), ({"negative_prompt": "x"}, None), ({"resolution": "4K"}, None),
    ({"ratio": "5:4"}, None), ({"duration": 31}, None), ({"duration": 1}, None), ({"audio": "yes"}, None),
    ({"shot_type": "multi"}, None), ({}, {"prompt": "x", "negative_prompt": "y"}), ({}, {}),
    ({}, {"media": [{"type": "video", "url": IMG}]}), ({}, {"media": [{"type": "reference_image"}]}),
    ({}, {"media": [{"type": "reference_image", "url": IMG}] * 11}),
    ({"prompt_extend": False}, {"prompt": "sum it up", "media": [{"type": "file", "url": IMG}]}),
])
def test_wan3_refusals(sim, params, data):
    body = wan3(**params)
    if data is not None:
        body["input"] = data
    status, answer = call(sim, VIDEO, body, ASYNC)
    assert status == 400 and answer["code"] == "InvalidParameter" or answer["code"].startswith("BadRequest"), answer
    assert sim.tasks == {}


@pytest.mark.parametrize("types", [["first_frame", "reference_image"], ["last_frame"], ["file", "link"],
                                   ["first_frame", "last_frame", "reference_audio"], ["link", "first_frame"]])
def test_wan3_mixed_modes_fail_after_a_successful_create(sim, types):
    fast(sim)
    status, body = call(sim, VIDEO, wan3([{"type": t, "url": IMG} for t in types]), ASYNC)
    assert status == 200
    output = wait_done(sim, body["output"]["task_id"])
    assert output["task_status"] == "FAILED" and output["code"] == "InvalidParameter"
    assert output["message"].startswith("The two modes are mutually exclusive.")
    assert "video_url" not in output


@pytest.mark.parametrize("types", [["first_frame"], ["first_frame", "last_frame"],
                                   ["reference_image", "reference_video", "reference_audio"], ["file"],
                                   ["link", "reference_image"]])
def test_wan3_legal_modes(sim, types):
    fast(sim)
    body = wan3([{"type": t, "url": IMG} for t in types])
    body["model"] = "wan3.0-video-prime"
    status, answer = call(sim, VIDEO, body, ASYNC)
    assert status == 200 and wait_done(sim, answer["output"]["task_id"])["task_status"] == "SUCCEEDED"


def test_wan3_not_on_the_kf2v_route_and_needs_async(sim):
    assert call(sim, KF2V, wan3(), ASYNC)[0] == 400
    assert call(sim, VIDEO, wan3())[0] == 403


def test_qwen_image_3_sync_default_size_and_usage(sim):
    status, body = call(sim, MM, msg("qwen-image-3.0", images=[IMG]) | {"parameters": {"n": 2}})
    assert status == 200
    urls = [c["message"]["content"][0]["image"] for c in body["output"]["choices"]]
    assert len(urls) == 2 and "/1_2048x2048.png?" in urls[0] and "/2_2048x2048.png?" in urls[1]
    assert body["usage"] == {"output_width": 2048, "output_height": 2048, "input_image_count": 1,
                             "output_image_count": 2, "output_image_type": "qima_output_2k",
                             "input_image_type": "qima_input_2k"}


def test_qwen_image_3_async_route(sim):
    fast(sim)
    body = msg("qwen-image-3.0-pro") | {"parameters": {"n": 1, "size": "1536*1024", "prompt_extend_mode": "agent",
                                                       "enable_thinking": False, "negative_prompt": "blur",
                                                       "seed": 7, "watermark": True, "prompt_extend": True}}
    status, answer = call(sim, "/api/v1/services/aigc/image-generation/generation", body, ASYNC)
    assert status == 200
    output = wait_done(sim, answer["output"]["task_id"])
    assert "/1_1536x1024.png?" in output["choices"][0]["message"]["content"][0]["image"]
    usage = call(sim, "/api/v1/tasks/" + answer["output"]["task_id"])[1]["usage"]
    assert usage["output_image_type"] == "qima_output_1k" and usage["input_image_count"] == 0


@pytest.mark.parametrize("params,images", [
    ({"n": 7}, []), ({"n": 0}, []), ({"size": "256*256"}, []), ({"size": "2049*2048"}, []),
    ({"size": "4096*256"}, []), ({"size": "1024x1024"}, []), ({"prompt_extend_mode": "agent"}, [IMG]),
    ({"prompt_extend_mode": "smart"}, []), ({"seed": -1}, []), ({"thinking_mode": True}, []),
    ({}, [IMG] * 4),
])
def test_qwen_image_3_refusals(sim, params, images):
    status, answer = call(sim, MM, msg("qwen-image-3.0", images=images) | {"parameters": params})
    assert status == 400 and answer["code"] == "InvalidParameter", answer


def test_image_result_names_carry_the_size(sim):
    cases = [("wan2.6-t2i", {}, "1_1280x1280"), ("wan2.7-image", {"size": "1K"}, "1_1024x1024"),
             ("wan2.7-image-pro", {}, "1_2048x2048"), ("qwen-image-2.0", {"size": "800*1200"}, "1_800x1200")]
    for model, params, expected in cases:
        status, body = call(sim, MM, msg(model) | {"parameters": dict(params, n=1)})
        assert status == 200 and "/%s.png?" % expected in body["output"]["choices"][0]["message"]["content"][0]["image"]
    status, body = call(sim, T2I, {"model": "wan2.2-t2i-flash", "input": {"prompt": "x"}, "parameters": {"n": 2}},
                        ASYNC)
    output = wait_done(fast(sim), body["output"]["task_id"])
    assert [r["url"].split("/")[-1].split("?")[0] for r in output["results"]] == ["1_1024x1024.png", "2_1024x1024.png"]
    assert output["results"][0]["orig_prompt"] == "x"


@pytest.mark.parametrize("path,body", [
    (VIDEO, {"model": "happyhorse-1.1-t2v", "input": {"prompt": "x"}, "parameters": {"resolution": "480P"}}),
    (VIDEO, {"model": "happyhorse-1.0-t2v", "input": {"prompt": "x"}, "parameters": {"prompt_extend": True}}),
    (VIDEO, {"model": "happyhorse-1.1-i2v", "input": {"media": [{"type": "first_frame", "url": IMG}]},
             "parameters": {"resolution": "480P"}}),
    (MM, msg("qwen-image-edit", images=[IMG]) | {"parameters": {"size": "1024*1024"}}),
    (MM, msg("qwen-image-edit", images=[IMG]) | {"parameters": {"prompt_extend": False}}),
    (MM, msg("wan2.6-image", images=[IMG]) | {"parameters": {"size": "2048*2048", "n": 1}}),
])
def test_fact_sheet_corrections(sim, path, body):
    headers = ASYNC if path == VIDEO else {}
    assert call(sim, path, body, headers)[0] == 400
    sim.legacy_rules = True  # the pre-correction behaviour, for older tests
    assert call(sim, path, body, headers)[0] == 200


def test_corrections_accept(sim):
    ok = [(VIDEO, {"model": "happyhorse-1.1-r2v", "input": {"prompt": "x", "media": [
              {"type": "reference_image", "url": IMG}]}, "parameters": {"resolution": "720P"}}),
          (KF2V, {"model": "wan2.1-kf2v-plus", "input": {"first_frame_url": IMG, "last_frame_url": IMG}}),
          (VIDEO, {"model": "wan2.6-t2v", "input": {"prompt": "x", "extend_prompt": True,
                                                    "function": "video-synthesis"}})]
    for path, body in ok:
        assert call(sim, path, body, ASYNC)[0] == 200, body
    assert call(sim, MM, msg("wan2.6-image", images=[IMG]) | {"parameters": {"size": "1K", "n": 1}})[0] == 200
    bad = {"model": "wan2.6-t2v", "input": {"prompt": "x", "function": "image_reference"}}
    assert call(sim, VIDEO, bad, ASYNC)[0] == 400
    bad = {"model": "happyhorse-1.1-r2v", "input": {"prompt": "x", "negative_prompt": "y",
                                                    "media": [{"type": "reference_image", "url": IMG}]}}
    assert call(sim, VIDEO, bad, ASYNC)[0] == 400


PLAN_KEY = "sk-sp-plan0000000000000000000000000000"


@pytest.fixture
def plan():
    from tests.sim import Sim

    server = Sim(key=PLAN_KEY, role="token_plan").start()
    yield fast(server)
    server.stop()


def test_plan_host_serves_plan_models_and_tasks(plan):
    status, body = call(plan, VIDEO, wan3(), ASYNC, key=PLAN_KEY)
    assert status == 200
    assert wait_done_key(plan, body["output"]["task_id"])["task_status"] == "SUCCEEDED"
    assert call(plan, MM, msg("qwen-image-3.0-pro"), key=PLAN_KEY)[0] == 200
    status, answer = call(plan, MM, msg("qwen-image-3.0"), key=PLAN_KEY)
    assert status == 404 and answer == {"request_id": answer["request_id"], "code": "model_not_found",
                                        "message": "Model not exist."}
    assert call(plan, VIDEO, wan3() | {"model": "wan3.0-video-prime"}, ASYNC, key=PLAN_KEY)[0] == 404


def wait_done_key(sim, task_id):
    import time
    for _ in range(60):
        output = call(sim, "/api/v1/tasks/" + task_id, key=PLAN_KEY)[1]["output"]
        if output["task_status"] not in ("PENDING", "RUNNING"):
            return output
        time.sleep(0.05)
    raise AssertionError("still running")


def test_plan_host_refusals(plan):
    status, answer = call(plan, MM, msg("qwen-image-2.0"), key=FAKE_KEY)
    assert status == 401 and answer["message"] == "Invalid API-key provided."
    plan.keys.add(FAKE_KEY)  # registered, but not a plan key
    assert call(plan, MM, msg("qwen-image-2.0"), key=FAKE_KEY)[0] == 401
    coding = "sk-sp-coding000000000000000000000000"
    plan.keys.add(coding)
    plan.coding_plan_keys.add(coding)
    assert call(plan, MM, msg("qwen-image-2.0"), key=coding)[0] == 401
    status, answer = call(plan, "/api/v1/uploads?action=getPolicy&model=qwen-image-2.0", key=PLAN_KEY)
    assert status == 403 and answer["code"] == "AccessDenied"
    oss = msg("qwen-image-2.0", images=["oss://dashscope-instant/x/a.png"])
    assert call(plan, MM, oss, {"X-DashScope-OssResourceResolve": "enable"}, key=PLAN_KEY)[0] == 400
    status, answer = call(plan, "/api/v1/services/aigc/image-generation/generation", msg("qwen-image-2.0"), ASYNC,
                          key=PLAN_KEY)
    assert status == 400 and "url error" in answer["message"]
    assert call(plan, "/api/v1/tasks", key=PLAN_KEY)[0] == 404
    assert call(plan, "/api/v1/tasks/x/cancel", {}, key=PLAN_KEY)[0] == 404
    assert call(plan, "/api/v1/tasks/x", key=PLAN_KEY)[1]["output"]["task_status"] == "UNKNOWN"


def test_plan_model_list_is_an_option():
    from tests.sim import Sim

    server = Sim(role="token_plan", plan_models=["wan2.7-image"]).start()
    try:
        assert server.key.startswith("sk-sp-")
        assert call(server, MM, msg("wan2.7-image"), key=server.key)[0] == 200
        assert call(server, MM, msg("qwen-image-3.0-pro"), key=server.key)[0] == 404
    finally:
        server.stop()


def test_standard_host_options(sim):
    plan_key = "sk-sp-9999999999999999999999999999"
    status, answer = call(sim, MM, msg("wan2.6-t2i"), key=plan_key)
    assert status == 401 and answer["code"] == "InvalidApiKey"
    sim.keys.add(plan_key)
    assert call(sim, MM, msg("wan2.6-t2i"), key=plan_key)[0] == 200  # older tests register plan keys
    sim.refuse_plan_keys = True
    assert call(sim, MM, msg("wan2.6-t2i"), key=plan_key)[0] == 401
    assert call(sim, MM, msg("qwen-image-3.0"))[0] == 200
    sim.hide_new_models = True
    for path, body, headers in [(MM, msg("qwen-image-3.0"), {}), (VIDEO, wan3(), ASYNC)]:
        status, answer = call(sim, path, body, headers)
        assert status == 404 and answer["code"] == "ModelNotFound" and answer["message"] == "Model not exist."


def test_workspace_host_without_upload_policy():
    from tests.sim import Sim

    server = Sim(key=FAKE_KEY, role="workspace", no_upload_policy=True, hide_new_models=True).start()
    try:
        assert call(server, "/api/v1/uploads?action=getPolicy&model=wan2.6-image")[0] == 404
        assert call(server, MM, msg("qwen-image-3.0"))[0] == 200  # a workspace host serves the new models
    finally:
        server.stop()
    with pytest.raises(ValueError):
        Sim(role="nope")


def test_task_list_times_filters_and_cancel(sim):
    import time
    sim.task_seconds, sim.pending_seconds = 0.6, 0.3
    ids = [call(sim, VIDEO, {"model": "wan2.6-t2v", "input": {"prompt": str(i)}}, ASYNC)[1]["output"]["task_id"]
           for i in range(3)]
    assert call(sim, "/api/v1/tasks/%s/cancel" % ids[0], {})[0] == 200
    time.sleep(0.35)
    status, answer = call(sim, "/api/v1/tasks/%s/cancel" % ids[1], {})  # RUNNING now
    assert status == 400 and answer["code"] == "UnsupportedOperation"
    listed = call(sim, "/api/v1/tasks?page_no=1&page_size=2")[1]
    assert listed["total"] == 3 and listed["total_page"] == 2 and len(listed["data"]) == 2
    item = listed["data"][0]
    assert isinstance(item["gmt_create"], int) and item["gmt_create"] > 10 ** 12 and item["start_time"]
    assert [i["task_id"] for i in call(sim, "/api/v1/tasks?status=CANCELED")[1]["data"]] == [ids[0]]
    stamp = time.strftime("%Y%m%d%H%M%S", time.localtime(time.time() + 3600))
    assert call(sim, "/api/v1/tasks?start_time=" + stamp)[1]["total"] == 0
    assert call(sim, "/api/v1/tasks?start_time=yesterday")[0] == 400
