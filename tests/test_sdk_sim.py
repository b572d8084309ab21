"""The official dashscope SDK, pointed at the simulator, succeeds end to end: the sim accepts what the SDK
really sends (input.extend_prompt, input.function, prompt null, parameters.is_async, its own upload)."""

import pytest
from conftest import FAKE_KEY

from tests.sim import Sim

dashscope = pytest.importorskip("dashscope")
from dashscope import ImageSynthesis, MultiModalConversation, VideoSynthesis  # noqa: E402
from dashscope.aigc.image_generation import ImageGeneration  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def sdk():
    """A fast simulator with the SDK's module-wide base URL and key pointed at it (restored afterwards)."""
    server = Sim(key=FAKE_KEY, task_seconds=0.2, pending_seconds=0.05).start()
    saved = dashscope.base_http_api_url, dashscope.api_key
    dashscope.base_http_api_url, dashscope.api_key = server.base_url + "/api/v1", FAKE_KEY
    yield server
    dashscope.base_http_api_url, dashscope.api_key = saved
    server.stop()


def finished(api, created):
    assert created.status_code == 200, (created.code, created.message)
    answer = api.wait(created)
    assert answer.status_code == 200 and answer.output["task_status"] == "SUCCEEDED", answer
    return answer


def test_async_text_to_image(sdk):
    answer = finished(ImageSynthesis, ImageSynthesis.async_call(model="wan2.2-t2i-flash", prompt="a paper crane",
                                                                 n=1, size="1024*1024"))
    assert answer.output["results"][0]["url"].endswith("Signature=sim%2Bsig")
    assert "/1_1024x1024.png?" in answer.output["results"][0]["url"]
    assert answer.output["results"][0]["orig_prompt"] == "a paper crane"


def test_text_to_video(sdk):
    answer = finished(VideoSynthesis, VideoSynthesis.async_call(model="wan2.6-t2v", prompt="a fox",
                                                                 size="1280*720", duration=5))
    assert answer.output["video_url"].startswith(sdk.base_url) and answer.output["orig_prompt"] == "a fox"
    sent = sdk.task_posts()[0]["json"]["input"]
    assert sent["extend_prompt"] is True and sent["function"] == "video-synthesis"  # what the SDK adds


def test_image_to_video_without_prompt(sdk):
    finished(VideoSynthesis, VideoSynthesis.async_call(model="wan2.6-i2v-flash", img_url="https://example.com/a.png",
                                                       resolution="720P"))
    assert sdk.task_posts()[0]["json"]["input"]["prompt"] is None  # the SDK sends prompt: null


@pytest.mark.parametrize("model", ["wan2.2-kf2v-flash", "wan2.1-kf2v-plus"])
def test_first_and_last_frame(sdk, model):
    resolution = "720P"
    finished(VideoSynthesis, VideoSynthesis.async_call(model=model, prompt="day to night",
                                                       first_frame_url="https://example.com/a.png",
                                                       last_frame_url="https://example.com/b.png",
                                                       resolution=resolution))
    assert sdk.task_posts()[0]["path"] == "/api/v1/services/aigc/image2video/video-synthesis"


@pytest.mark.parametrize("model,size,expected", [("wan2.6-t2i", "1280*1280", "1_1280x1280"),
                                                 ("qwen-image-2.0-pro", "1024*1536", "1_1024x1536"),
                                                 ("qwen-image-3.0", None, "1_2048x2048")])
def test_sync_multimodal_image(sdk, model, size, expected):
    extra = {"size": size} if size else {}
    answer = MultiModalConversation.call(model=model, n=1, messages=[
        {"role": "user", "content": [{"text": "a poster that reads OPEN DAY"}]}], **extra)
    assert answer.status_code == 200, (answer.code, answer.message)
    image = answer.output["choices"][0]["message"]["content"][0]["image"]
    assert image.startswith(sdk.base_url) and expected in image


def test_async_qwen_image_3(sdk):
    created = ImageGeneration.async_call(model="qwen-image-3.0-pro", n=2, size="1024*1024", messages=[
        {"role": "user", "content": [{"text": "a tea house in rain"}]}])
    answer = finished(ImageGeneration, created)
    assert len(answer.output["choices"]) == 2 and answer.usage["output_image_type"] == "qima_output_1k"
    assert sdk.task_posts()[0]["json"]["parameters"]["is_async"] is True  # left there by the SDK


def test_wan3_video_through_the_sdk(sdk):
    answer = finished(VideoSynthesis, VideoSynthesis.async_call(
        model="wan3.0-video", prompt="image 1 waves", resolution="720P", ratio="16:9", duration=4,
        media=[{"type": "reference_image", "url": "https://example.com/a.png"}]))
    assert answer.usage["output_video_duration"] == 4.0 and answer.usage["SR"] == 720
    mixed = VideoSynthesis.wait(VideoSynthesis.async_call(model="wan3.0-video", media=[
        {"type": "first_frame", "url": "https://example.com/a.png"},
        {"type": "reference_image", "url": "https://example.com/b.png"}]))
    assert mixed.output["task_status"] == "FAILED" and mixed.output["code"] == "InvalidParameter"


@pytest.mark.parametrize("form", ["uri", "path"])
def test_sdk_local_file_upload(sdk, tmp_path, form):
    picture = tmp_path / "cat.png"
    picture.write_bytes(PNG)
    reference = "file://" + str(picture) if form == "uri" else str(picture)
    if form == "uri":
        answer = MultiModalConversation.call(model="qwen-image-2.0-pro", n=1, messages=[
            {"role": "user", "content": [{"image": reference}, {"text": "make it a watercolor"}]}])
        assert answer.status_code == 200, (answer.code, answer.message)
    else:
        finished(ImageSynthesis, ImageSynthesis.async_call(model="wan2.5-i2i-preview", prompt="a sketch of it",
                                                           images=[reference], n=1))
    assert sdk.seen("GET", "/api/v1/uploads")[0]["query"]["action"] == "getPolicy"
    assert len(sdk.seen("POST", "/oss")) == 1 and len(sdk.uploads) == 2  # the policy record + the object
    post = sdk.task_posts()[0]
    assert post["headers"]["X-DashScope-OssResourceResolve"] == "enable"
    assert "oss://dashscope-instant/" in str(post["json"]["input"])


def test_sdk_video_upload_of_a_local_first_frame(sdk, tmp_path):
    picture = tmp_path / "first.png"
    picture.write_bytes(PNG)
    finished(VideoSynthesis, VideoSynthesis.async_call(model="wan2.6-i2v-flash", prompt="it moves",
                                                       img_url="file://" + str(picture), resolution="720P"))
    assert sdk.task_posts()[0]["json"]["input"]["img_url"].startswith("oss://")
