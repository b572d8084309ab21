"""Shared fixtures: the loopback simulator, interpreters, and running scripts as an agent does."""

import glob
import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKILLS = os.path.join(ROOT, "skills")
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(SKILLS, "_common"))

from tests.sim import Sim  # noqa: E402

FAKE_KEY = "sk-test7c4e9a1f3b8d2065e7a9c4f1b3d8e2a6"
SCRIPTS = {
    "image": os.path.join(SKILLS, "qianwen-image-generation", "scripts", "image.py"),
    "video": os.path.join(SKILLS, "qianwen-video-generation", "scripts", "video.py"),
    "check_auth": os.path.join(SKILLS, "qianwen-ops-auth", "scripts", "check_auth.py"),
    "check_update": os.path.join(SKILLS, "qianwen-update-check", "scripts", "check_update.py"),
}
# Variables a developer's shell may hold that would change what a script sees.
SCRUBBED = ("DASHSCOPE_API_KEY", "QIANWEN_API_KEY", "QWEN_API_KEY", "QWEN_REGION", "QWEN_BASE_URL",
            "QWEN_SKILLS_REPO", "QWEN_UPDATE_URL", "QWEN_NO_UPDATE_CHECK", "HTTPS_PROXY", "HTTP_PROXY",
            "https_proxy", "http_proxy", "ALL_PROXY", "all_proxy")


def find_python(version):
    """An interpreter for version ('3.9'), or None: PATH first, then pyenv's folders."""
    candidates = [shutil.which("python" + version)]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/%s.*/bin/python%s"
                                                      % (version, version))))
    for path in candidates:
        if not path:
            continue
        try:
            out = subprocess.run([path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip() == version:
            return path
    return None


def _pythons():
    wanted = os.environ.get("QWEN_TEST_PYTHONS", "3.9").split(",")
    found = [pytest.param(sys.executable, id="py%d%d" % sys.version_info[:2])]
    current = "%d.%d" % sys.version_info[:2]
    for version in wanted:
        version = version.strip()
        if not version or version == current:
            continue
        path = find_python(version)
        marks = [] if path else [pytest.mark.skip(reason="python%s not found on this machine" % version)]
        found.append(pytest.param(path, id="py" + version.replace(".", ""), marks=marks))
    return found


@pytest.fixture(params=_pythons())
def python(request):
    """Each interpreter the script-level tests run under (default, plus 3.9 where present)."""
    return request.param


@pytest.fixture
def sim():
    server = Sim(key=FAKE_KEY).start()
    yield server
    server.stop()


@pytest.fixture
def workdir(tmp_path):
    """A project folder outside the repository, as an agent's working directory."""
    path = tmp_path / "project"
    path.mkdir()
    (tmp_path / "home").mkdir()
    return path


class Result:
    def __init__(self, proc):
        self.code, self.stdout, self.stderr = proc.returncode, proc.stdout, proc.stderr

    @property
    def json(self):
        return json.loads(self.stdout)

    def __repr__(self):
        return "exit %s\nstdout: %s\nstderr: %s" % (self.code, self.stdout[-2000:], self.stderr[-3000:])


def script_env(sim=None, home=None, extra=None, key=FAKE_KEY):
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED and not k.startswith("QWEN_TMP_OSS")}
    env["QWEN_NO_UPDATE_CHECK"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if key:
        env["DASHSCOPE_API_KEY"] = key
    if sim is not None:
        env["QWEN_BASE_URL"] = sim.base_url
    if home:
        env["HOME"] = str(home)
    env.update(extra or {})
    return {k: v for k, v in env.items() if v is not None}


def run(script, args, cwd, sim=None, python=None, env=None, key=FAKE_KEY, timeout=120, stdin=None):
    """Run a script by absolute path from cwd, as an agent does."""
    path = SCRIPTS.get(script, script)
    home = os.path.join(os.path.dirname(str(cwd)), "home")
    proc = subprocess.run([python or sys.executable, path] + list(args), cwd=str(cwd),
                          env=script_env(sim, home if os.path.isdir(home) else None, env, key),
                          capture_output=True, text=True, timeout=timeout, input=stdin)
    return Result(proc)


def assert_no_key(*texts, key=FAKE_KEY):
    """No part of the key (beyond its public prefix) appears anywhere."""
    secret = key[3:]
    for text in texts:
        assert secret[:8] not in text, "key material leaked: %r" % text[-500:]


def all_files_text(folder):
    chunks = []
    for base, _dirs, names in os.walk(str(folder)):
        for name in names:
            with open(os.path.join(base, name), "rb") as handle:
                chunks.append(handle.read().decode("utf-8", "replace"))
    return "\n".join(chunks)
