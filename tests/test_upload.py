"""upload: temporary storage (policy + streamed multipart, file last), local checks, own bucket."""

import os
import shutil
import subprocess
import sys

import pytest
from conftest import FAKE_KEY, ROOT
from qianwen_common import upload
from qianwen_common.config import load_config
from qianwen_common.errors import ApiError, UsageError
from qianwen_common.plan import FileSlot
from qianwen_common.redact import mask


@pytest.fixture
def cfg(sim, tmp_path):
    return load_config(cwd=str(tmp_path), environ={"DASHSCOPE_API_KEY": FAKE_KEY,
                                                   "QWEN_BASE_URL": sim.base_url})


def make_file(folder, name="cat photo.png", size=300000):
    path = os.path.join(str(folder), name)
    with open(path, "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n" + b"x" * (size - 8))
    return path


def test_upload_to_temporary_storage(sim, cfg, tmp_path):
    path = make_file(tmp_path)
    upload._said_lifetime.clear()  # "said once per run": an earlier test in this process may have said it
    notes = []
    url = upload.upload(cfg, path, "wan2.6-image", notify=notes.append)
    assert url.startswith("oss://dashscope-instant/") and url.endswith(".png")
    assert " " not in url  # ASCII-safe object names
    policy = sim.seen("GET", "/api/v1/uploads")[0]
    assert policy["query"] == {"action": "getPolicy", "model": "wan2.6-image"}
    post = sim.seen("POST", "/oss")[0]
    assert "authorization" not in post["headers"]  # never send the key to the storage host
    assert sim.uploads[url[len("oss://"):]]["size"] == os.path.getsize(path)
    assert any("valid 48 h" in n for n in notes)
    upload.upload(cfg, path, "wan2.6-image", notify=notes.append)
    assert sum("valid 48 h" in n for n in notes) == 1  # said once per run


def test_upload_retries_with_a_fresh_policy(sim, cfg, tmp_path):
    sim.inject("/oss", method="POST", status=503)
    url = upload.upload(cfg, make_file(tmp_path), "wan2.6-image")
    assert url.startswith("oss://")
    assert len(sim.seen("GET", "/api/v1/uploads")) == 2


@pytest.mark.parametrize("value,kind", [("https://x/a.png", "remote"), ("oss://b/k", "remote"),
                                        ("data:image/png;base64,AAAA", "remote"), ("./a.png", "local"),
                                        ("C:\\img\\a.png", "local"), ("ftp://x/a.png", "bad"),
                                        ("file:///a.png", "bad")])
def test_media_kind(value, kind):
    assert upload.media_kind(value) == kind


def test_local_file_checks(tmp_path):
    good = make_file(tmp_path, "a.png", 100)
    upload.check_local_file(good, "img_url", {"png", "jpg"}, 1)
    with pytest.raises(UsageError, match="img_url=.*not found"):
        upload.check_local_file(str(tmp_path / "missing.png"), "img_url")
    with pytest.raises(UsageError, match="is a folder"):
        upload.check_local_file(str(tmp_path), "img_url")
    with pytest.raises(UsageError, match=r"\.gif files are not accepted"):
        upload.check_local_file(make_file(tmp_path, "a.gif", 100), "img_url", {"png", "jpg"})
    with pytest.raises(UsageError, match="over the 1 MB limit"):
        upload.check_local_file(make_file(tmp_path, "big.png", 2 * 1024 * 1024), "img_url", {"png"}, 1)
    with pytest.raises(UsageError, match="empty"):
        upload.check_local_file(str(_empty(tmp_path)), "img_url")


def _empty(folder):
    path = folder / "empty.png"
    path.write_bytes(b"")
    return path


def plan_cfg(sim, tmp_path):
    # QWEN_BASE_URL is ignored for plan keys: the simulator stands in for the Token Plan host
    return load_config(cwd=str(tmp_path), environ={"DASHSCOPE_API_KEY": "sk-sp-plan12345678",
                                                  "QWEN_TOKEN_PLAN_BASE_URL": sim.base_url})


@pytest.mark.parametrize("kind,name", [("video", "clip.mp4"), ("audio", "voice.mp3")])
def test_plan_key_cannot_upload_video_or_audio(sim, tmp_path, kind, name):
    cfg = plan_cfg(sim, tmp_path)
    slot = FileSlot(where=("input", "media", 0, "url"), local=make_file(tmp_path, name, 100), kind=kind)
    with pytest.raises(UsageError, match=r"plan key \(sk-sp-\).*public http\(s\) URL") as err:
        upload.place(cfg, slot, "wan2.6-i2v", notify=None)
    assert err.value.exit_code == 2
    assert not sim.requests


def test_plan_key_inlines_local_images(sim, tmp_path):
    import base64

    cfg = plan_cfg(sim, tmp_path)
    path = make_file(tmp_path, "a.png", 1000)
    url = upload.place(cfg, FileSlot(where=("input", "img_url"), local=path, kind="image"), "wan2.7-image")
    assert url.startswith("data:image/png;base64,")
    with open(path, "rb") as handle:
        assert base64.b64decode(url.split(",", 1)[1]) == handle.read()
    assert not sim.requests  # no getPolicy, no storage POST
    with pytest.raises(UsageError, match="inline image"):
        upload.data_uri(make_file(tmp_path, "big.png", 2 * 1024 * 1024), "big.png", max_mb=1)


def test_standard_key_place_uploads(sim, cfg, tmp_path):
    slot = FileSlot(where=("input", "img_url"), local=make_file(tmp_path), kind="image")
    assert upload.place(cfg, slot, "wan2.6-image").startswith("oss://dashscope-instant/")
    assert len(sim.seen("GET", "/api/v1/uploads")) == 1


def test_refused_policy_on_a_workspace_host_asks_the_shared_host_once(tmp_path):
    # addendum A4.3 (UNCONFIRMED): getPolicy may be refused on a workspace host (404/405)
    import types

    from tests.sim import Sim

    workspace, shared = Sim(key=FAKE_KEY, role="workspace", no_upload_policy=True).start(), Sim(key=FAKE_KEY).start()
    try:
        # a stand-in Config: the real one sets upload_fallback only for QWEN_WORKSPACE_ID (real hosts)
        def stand_in(fallback):
            return types.SimpleNamespace(api_key=FAKE_KEY, token_plan=False, oss=None, http_timeout=None,
                                         api_base=workspace.base_url + "/api/v1", upload_fallback=fallback)

        cfg = stand_in(shared.base_url)
        notes = []
        slot = FileSlot(where=("input", "img_url"), local=make_file(tmp_path), kind="image")
        assert upload.place(cfg, slot, "wan2.6-image", notify=notes.append).startswith("oss://")
        assert len(workspace.seen("GET", "/api/v1/uploads")) == 1
        assert len(shared.seen("GET", "/api/v1/uploads")) == 1
        assert any("asking the region's shared host once" in n for n in notes)
        # without a fallback host the refusal is the error
        cfg = stand_in(None)
        with pytest.raises(ApiError, match="HTTP 404"):
            upload.place(cfg, slot, "wan2.6-image")
    finally:
        workspace.stop()
        shared.stop()


def own_bucket_env(sim):
    return {"DASHSCOPE_API_KEY": FAKE_KEY, "QWEN_BASE_URL": sim.base_url,
            "QWEN_TMP_OSS_BUCKET": "qwen-test-bucket", "QWEN_TMP_OSS_REGION": "cn-beijing",
            "QWEN_TMP_OSS_AK_ID": "LTAIownbucketid", "QWEN_TMP_OSS_AK_SECRET": "ownbucketsecret123",
            "QWEN_TMP_OSS_ENDPOINT": sim.base_url}


def test_own_bucket_with_the_real_sdk(sim, tmp_path):
    # alibabacloud-oss-v2 against a loopback path-style bucket; the presigned URL is a secret
    try:
        import alibabacloud_oss_v2  # noqa: F401
    except ImportError:
        pytest.skip("alibabacloud-oss-v2 is not installed here (pip install alibabacloud-oss-v2)")
    sim.buckets["qwen-test-bucket"] = {}
    cfg = load_config(cwd=str(tmp_path), environ=own_bucket_env(sim))
    notes = []
    url = upload.upload(cfg, make_file(tmp_path, "a.png", 5000), "wan2.6-image", notify=notes.append)
    assert url.startswith(sim.base_url + "/qwen-test-bucket/qianwen-uploads/") and "?" in url
    stored = sim.buckets["qwen-test-bucket"]
    assert len(stored) == 1 and len(next(iter(stored.values()))) == 5000
    assert "?" not in mask(url).replace("?***", "")  # shown without its signature
    assert all("ownbucketsecret" not in n and "signature=" not in n.lower() for n in notes)
    assert not sim.seen("GET", "/api/v1/uploads")  # no temporary storage on this path


def test_own_bucket_without_sdk_names_the_package(sim, tmp_path):
    code = ("import sys; sys.path.insert(0, %r)\n"
            "from qianwen_common import config, upload\n"
            "from qianwen_common.errors import UsageError\n"
            "cfg = config.load_config()\n"
            "try:\n    upload.upload(cfg, sys.argv[1], 'wan2.6-image')\n"
            "except UsageError as e:\n    print(e); sys.exit(2)\n") % os.path.join(ROOT, "skills", "_common")
    python = shutil.which("python3") or sys.executable
    probe = subprocess.run([python, "-c", "import alibabacloud_oss_v2"], capture_output=True)
    probe2 = subprocess.run([python, "-c", "import oss2"], capture_output=True)
    if probe.returncode == 0 or probe2.returncode == 0:
        pytest.skip("every interpreter here has an OSS SDK installed")
    env = dict(os.environ, **own_bucket_env(sim))
    out = subprocess.run([python, "-c", code, make_file(tmp_path)], capture_output=True, text=True,
                         env=env, cwd=str(tmp_path))
    assert out.returncode == 2, out.stderr
    assert "pip install alibabacloud-oss-v2" in out.stdout
