"""Bad input to image.py: exit 2, one line naming the field, and no request reaches the server."""

import json
import os

import pytest
from conftest import run
from test_image_helpers import URL1, make_jpeg, make_png

U = [URL1]


def model(name, **fields):
    return ["--model", name, "--request", json.dumps(fields)]


def files_setup(workdir):
    make_png(workdir / "ok.png", 800, 600)
    make_png(workdir / "tiny.png", 100, 100)
    make_jpeg(workdir / "huge.jpg", 9000, 600)
    (workdir / "notes.txt").write_text("hello")
    (workdir / "x.tiff").write_bytes(b"II*\x00" + b"\x00" * 40)
    (workdir / "fake.png").write_bytes(b"GIF89a\x10\x00\x10\x00" + b"\x00" * 40)  # a 16x16 GIF named .png
    with open(str(workdir / "big.png"), "wb") as handle:
        handle.write(open(str(workdir / "ok.png"), "rb").read())
        handle.truncate(11 * 1024 * 1024)
    os.mkdir(str(workdir / "folder.png"))


CASES = [  # (id, arguments, words the error line must contain)
    ("unknown-model-no-endpoint", model("acme-draw", prompt="p"), "--endpoint"),
    ("wan26-image-without-refs", model("wan2.6-image", prompt="p"), "--model wan2.6-t2i"),  # I-13
    ("t2i-model-with-refs", model("wan2.6-t2i", prompt="p", reference_images=U), "wan2.6-image"),
    ("edit-model-without-refs", model("qwen-image-edit-plus", prompt="p"), "text-to-image"),
    ("wan22-with-refs", model("wan2.2-t2i-flash", prompt="p", reference_image=URL1), "editing"),
    ("size-format", model("wan2.6-t2i", prompt="p", size="1280x1280"), "size="),
    ("size-too-small", model("wan2.6-t2i", prompt="p", size="512*512"), "1280*1280 to 1440*1440"),  # I-40
    ("size-aspect", model("wan2.6-t2i", prompt="p", size="3000*600"), "aspect"),
    ("qwen-plus-fixed-size", model("qwen-image-plus", prompt="p", size="1024*1024"), "1664*928"),  # I-19
    ("qwen-edit-side", model("qwen-image-edit-plus", prompt="p", reference_images=U, size="4096*512"),
     "512 to 2048"),  # I-18
    ("wan26-image-4K", model("wan2.6-image", prompt="p", reference_images=U, size="4K"), "768*768 to 1280*1280"),
    ("wan26-image-1K", model("wan2.6-image", prompt="p", reference_images=U, size="1K"), "768*768 to 1280*1280"),
    ("interleave-size", model("wan2.6-image", prompt="p", enable_interleave=True, size="2048*2048"),
     "768*768 to 1280*1280"),  # I-41
    ("wan22-side", model("wan2.2-t2i-plus", prompt="p", size="2000*1000"), "512 to 1440"),
    ("wan27-4K-edit", model("wan2.7-image-pro", prompt="p", reference_images=U, size="4K"), "size="),
    ("n-too-high", model("wan2.6-t2i", prompt="p", n=5), "n=5"),
    ("n-qwen-max", model("qwen-image-max", prompt="p", n=2), "n=2"),
    ("n-qwen-edit", model("qwen-image-edit", prompt="p", reference_images=U, n=2), "n=2"),
    ("n-zero", model("qwen-image-2.0-pro", prompt="p", n=0), "n=0"),
    ("n-string", model("wan2.6-t2i", prompt="p", n="2"), "n='2'"),
    ("interleave-n", model("wan2.6-image", prompt="p", enable_interleave=True, n=2), "n=2"),
    ("too-many-refs", model("wan2.6-image", prompt="p", reference_images=[URL1] * 5), "1 to 4"),  # I-32
    ("i2i-four-refs", model("wan2.5-i2i-preview", prompt="p", reference_images=[URL1] * 4), "1 to 3"),
    ("qwen20-four-refs", model("qwen-image-2.0", prompt="p", reference_images=[URL1] * 4), "1 to 3"),
    ("interleave-two-refs", model("wan2.6-image", prompt="p", enable_interleave=True,
                                  reference_images=[URL1] * 2), "0 to 1"),
    ("max-images", model("wan2.6-image", prompt="p", enable_interleave=True, max_images=6), "max_images=6"),
    ("max-images-without-interleave", model("wan2.6-image", prompt="p", reference_images=U, max_images=2),
     "max_images is not taken"),
    ("interleave-other-model", model("wan2.6-t2i", prompt="p", enable_interleave=True), "wan2.6-image"),
    ("prompt-missing", model("wan2.6-t2i", size="1280*1280"), "prompt is required"),  # I-26
    ("prompt-empty", model("wan2.6-t2i", prompt="  "), "prompt is required"),
    ("prompt-too-long", model("wan2.6-t2i", prompt="x" * 2101), "at most 2100"),
    ("prompt-too-long-wan22", model("wan2.2-t2i-flash", prompt="x" * 801), "at most 800"),
    ("negative-too-long", model("wan2.6-t2i", prompt="p", negative_prompt="x" * 501), "negative_prompt"),  # I-27
    ("seed-negative", model("wan2.6-t2i", prompt="p", seed=-1), "seed=-1"),  # I-29
    ("seed-too-big", model("wan2.6-t2i", prompt="p", seed=2147483648), "seed=2147483648"),
    ("bool-field", model("wan2.6-t2i", prompt="p", watermark="yes"), "watermark="),
    ("unknown-field", model("wan2.6-t2i", prompt="p", style="anime"), "--allow-field style"),
    ("raw-two-texts", ["--request", json.dumps({"model": "wan2.6-t2i", "input": {"messages": [
        {"role": "user", "content": [{"text": "a"}, {"text": "b"}]}]}})], "exactly one"),
    ("raw-bad-input-field", ["--request", json.dumps({"input": {"text": "a"}})], "input.text"),
    ("bad-json", ["--request", "{prompt: cat}"], "not valid JSON"),
    ("not-an-object", ["--request", "[1, 2]"], "JSON object"),
    ("no-request", [], "--request"),
    ("async-sync-only", model("qwen-image-2.0-pro", prompt="p") + ["--async"], "sync only"),  # I-7
    ("url-scheme", model("wan2.6-image", prompt="p", reference_images=["ftp://host/a.png"]), "scheme"),
    ("refs-not-strings", model("wan2.6-image", prompt="p", reference_images=[1]), "reference_images"),
    ("local-missing", model("wan2.6-image", prompt="p", reference_images=["nope.png"]), "not found"),
    ("local-wrong-type", model("wan2.6-image", prompt="p", reference_images=["notes.txt"]), ".txt"),
    ("local-not-an-image", model("wan2.6-image", prompt="p", reference_images=["fake.png"]), "not a"),
    ("local-too-large", model("wan2.6-image", prompt="p", reference_images=["big.png"]), "10 MB"),
    ("local-too-few-pixels", model("wan2.5-i2i-preview", prompt="p", reference_images=["tiny.png"]), "384"),
    ("local-too-many-pixels", model("wan2.6-image", prompt="p", reference_images=["huge.jpg"]), "9000x600"),
    ("local-folder", model("wan2.6-image", prompt="p", reference_images=["folder.png"]), "folder"),
    ("qwen-tiff-for-wan", model("wan2.6-image", prompt="p", reference_images=["x.tiff"]), ".tiff files"),
    ("bad-task-id", ["--task-id", "../../etc"], "--task-id"),
    ("data-video-uri", model("wan2.6-image", prompt="p", reference_images=["data:video/mp4;base64,AAAA"]),
     "not an image"),
    ("qwen3-agent-with-image", model("qwen-image-3.0", prompt="p", reference_images=U,
                                     prompt_extend_mode="agent"), "400"),
    ("qwen3-aspect", model("qwen-image-3.0-pro", prompt="p", size="3000*300"), "aspect"),
    ("qwen-edit-size", model("qwen-image-edit", prompt="p", reference_images=U, size="1024*1024"),
     "size is not taken"),
    ("endpoint-with-query", model("acme-draw", prompt="p") + ["--endpoint", "/services/a?b=1"], "--endpoint"),
    ("bbox-count", model("wan2.7-image", prompt="p", reference_images=U, bbox_list=[[], []]), "bbox_list"),
    ("thinking-on-edit", model("wan2.7-image", prompt="p", reference_images=U, thinking_mode=True),
     "thinking_mode is not taken"),
]


@pytest.mark.parametrize("args,words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_exit_2_nothing_sent(sim, workdir, args, words):
    check_refused(sim, workdir, args, words)


# A few of the cases again under each interpreter (3.9 included), to keep the suite fast.
ON_EACH_PYTHON = ("wan26-image-without-refs", "size-aspect", "n-qwen-max", "local-too-many-pixels",
                  "local-wrong-type", "bad-json", "raw-two-texts", "async-sync-only")


@pytest.mark.parametrize("case", ON_EACH_PYTHON)
def test_bad_input_on_each_python(sim, workdir, python, case):
    args, words = {c[0]: c[1:] for c in CASES}[case]
    check_refused(sim, workdir, args, words, python)


def check_refused(sim, workdir, args, words, python=None):
    files_setup(workdir)
    result = run("image", args, workdir, sim=sim, python=python)
    assert result.code == 2, result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], result
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert sim.requests == []
    assert not (workdir / "output").exists()


def test_at_least_twenty_cases():
    assert len(CASES) >= 20
