"""gallery.write: escaped, relative, script-free index.html; real headless Chromium decodes its images and video."""

import base64
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from qianwen_common import gallery

from tests import mediafiles

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACTS = os.path.join(ROOT, "output", "test-artifacts")
HOSTILE = '<script>alert("x")</script> & \'quotes\' <img src=x onerror=alert(1)>'


def make_folder(base):
    """A results folder as the skills leave it: two PNGs, the H.264 MP4, a response JSON, a subfolder."""
    folder = os.path.join(str(base), "output", "qianwen-image-generation")
    os.makedirs(os.path.join(folder, "run 2"))
    first = mediafiles.png(os.path.join(folder, "cozy shop_1280x720.png"), 1280, 720)
    second = mediafiles.png(os.path.join(folder, "run 2", "a&b #1.png"), 512, 512)
    video = mediafiles.mp4(os.path.join(folder, "detective.mp4"), 160, 96, 2.0, 10)
    sidecar = os.path.join(folder, "cozy shop.json")
    with open(sidecar, "w") as handle:
        handle.write("{}")
    items = [
        dict(local_path=first, kind="image", prompt="A cozy flower shop with wooden door", model="wan2.6-t2i",
             mode="t2i", seed=42, size="1280*720", task_id="task-1", sidecar=sidecar,
             rerun="python3 image.py --request '{\"prompt\": \"A cozy flower shop\", \"seed\": 42}'"),
        dict(local_path=second, kind="image", prompt=HOSTILE, model="qwen-image-plus", mode="t2i", seed=None,
             size="512*512", task_id=None, sidecar=None, rerun="python3 image.py --request '<&>'"),
        dict(local_path=video, kind="video", prompt="A detective in a rainy city at night", model="wan2.6-t2v",
             mode="t2v", seed=7, resolution="720P", task_id="task-3", sidecar=None,
             rerun="python3 video.py --request '{\"prompt\": \"A detective\"}'"),
    ]
    return folder, items


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def parse(page):
    """[(tag, [(attribute, value)])] of every start tag."""
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def test_page_is_escaped_relative_and_script_free(tmp_path):
    folder, items = make_folder(tmp_path)
    path = gallery.write(folder, items, "Results <&>")
    assert path == os.path.join(folder, "index.html")
    page = open(path, encoding="utf-8").read()
    tags = parse(page)
    assert "script" not in [tag for tag, _ in tags] and "<script" not in page.lower()
    assert not [name for _, attrs in tags for name, _ in attrs if name.startswith("on")]  # no handlers
    assert "//" not in page  # no http://, https:// or protocol-relative URL at all
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quotes&#x27;" in page
    assert "<title>Results &lt;&amp;&gt;</title>" in page
    assert 'src="cozy%20shop_1280x720.png"' in page and 'src="run%202/a%26b%20%231.png"' in page
    assert '<video controls preload="metadata" src="detective.mp4">' in page
    assert 'loading="lazy"' in page and 'href="cozy%20shop.json"' in page
    for text in ("wan2.6-t2i", "t2i", "42", "1280*720", "task-1", "720P", "task-3",
                 "python3 image.py --request &#x27;&lt;&amp;&gt;&#x27;"):
        assert text in page
    assert page.count("<article>") == 3 and page.count("<code>") == 3
    assert [name for name in os.listdir(folder) if name.endswith(".part")] == []


def test_regenerated_each_run_and_movable(tmp_path):
    folder, items = make_folder(tmp_path)
    gallery.write(folder, items, "one")
    path = gallery.write(folder, items[:1], "two")
    page = open(path, encoding="utf-8").read()
    assert "<title>two</title>" in page and page.count("<article>") == 1 and "1 result in" in page
    moved = str(tmp_path / "elsewhere")
    shutil.move(folder, moved)
    page = open(os.path.join(moved, "index.html"), encoding="utf-8").read()
    for ref in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert os.path.exists(os.path.join(moved, unquote(ref))), ref


# ---- real Chromium -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium, installed once (a lock keeps parallel sessions from running apt twice)."""
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0:
        pytest.skip("chromium is missing and installing it needs root (apt-get install chromium)")
    with open(os.path.join(tempfile.gettempdir(), "qianwen-chromium-install.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not shutil.which("chromium"):
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            update = subprocess.run(["apt-get", "update"], capture_output=True, text=True, env=env)
            install = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
                                     capture_output=True, text=True, env=env)
            if install.returncode != 0:
                pytest.skip("Debian's package registry could not be reached to install chromium: %s"
                            % (install.stderr or update.stderr).strip()[-300:])
    return shutil.which("chromium")


class DevTools:
    """Chrome DevTools Protocol over --remote-debugging-pipe (fd 3 in, fd 4 out; NUL-separated JSON)."""

    def __init__(self, binary, profile):
        to_child, self._to_child = os.pipe()
        self._from_child, from_child = os.pipe()

        def wire():
            os.dup2(to_child, 3)
            os.dup2(from_child, 4)

        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--user-data-dir=" + profile, "--window-size=1280,900", "--remote-debugging-pipe",
                 "--autoplay-policy=no-user-gesture-required", "about:blank"]
        self.process = subprocess.Popen([binary] + flags, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, preexec_fn=wire, close_fds=False)
        os.close(to_child)
        os.close(from_child)
        self._buffer, self._next = b"", 0

    def call(self, method, params=None, session=None, timeout=30):
        self._next += 1
        message = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                answer = json.loads(raw)
                if answer.get("id") == self._next:
                    if "error" in answer:
                        raise AssertionError("%s: %s" % (method, answer["error"]))
                    return answer["result"]
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_child], [], [], left)[0]:
                raise AssertionError("no DevTools answer to %s in %ss" % (method, timeout))
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise AssertionError("chromium closed the DevTools pipe")
            self._buffer += chunk

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except AssertionError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_child)
        os.close(self._from_child)


MEDIA_CHECK = """
new Promise(resolve => {
  const settle = el => new Promise(done => {
    if (el.tagName === 'IMG' ? el.complete : el.readyState >= 2) return done();
    ['load', 'error', 'loadeddata'].forEach(name => el.addEventListener(name, done));
    setTimeout(done, 10000);
  });
  const report = () => {
    const images = [...document.images], videos = [...document.querySelectorAll('video')];
    Promise.all([...images, ...videos].map(settle)).then(() => resolve(JSON.stringify({
      images: images.map(i => ({src: i.getAttribute('src'), width: i.naturalWidth, height: i.naturalHeight})),
      videos: videos.map(v => ({src: v.getAttribute('src'), width: v.videoWidth, height: v.videoHeight,
                                seconds: v.duration, ready: v.readyState, error: v.error && v.error.code})),
      scripts: document.scripts.length})));
  };
  document.readyState === 'complete' ? report() : window.addEventListener('load', report);
})
"""


def test_chromium_decodes_every_image_and_the_video(chromium, tmp_path):
    folder, items = make_folder(tmp_path)
    page = gallery.write(folder, items, "QianWen results")
    browser = DevTools(chromium, str(tmp_path / "profile"))
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        browser.call("Emulation.setDeviceMetricsOverride",
                     {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session)
        browser.call("Page.enable", session=session)
        browser.call("Page.navigate", {"url": "file://" + page}, session)
        result = browser.call("Runtime.evaluate", {"expression": MEDIA_CHECK, "awaitPromise": True,
                                                   "returnByValue": True}, session)
        seen = json.loads(result["result"]["value"])
        time.sleep(0.5)  # let the first video frame paint before the screenshot
        shot = browser.call("Page.captureScreenshot", {"format": "png"}, session)["data"]
    finally:
        browser.close()
    os.makedirs(ARTIFACTS, exist_ok=True)
    with open(os.path.join(ARTIFACTS, "gallery.png"), "wb") as handle:
        handle.write(base64.b64decode(shot))
    assert seen["scripts"] == 0
    assert [(i["width"], i["height"]) for i in seen["images"]] == [(1280, 720), (512, 512)], seen
    assert len(seen["videos"]) == 1, seen
    video = seen["videos"][0]
    assert (video["width"], video["height"], video["error"]) == (160, 96, None), seen
    assert video["seconds"] == pytest.approx(2.0, abs=0.05) and video["ready"] >= 2, seen
