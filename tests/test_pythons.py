"""Python versions: vermin says 3.9; old interpreters get a clear exit 2; --help on every 3.9–3.13 found."""

import functools
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import SCRIPTS, SKILLS, find_python, run
from tests.test_install import SKILL_OF, need, real_call

OLD = ("3.6", "3.7", "3.8")
SUPPORTED = ("3.9", "3.10", "3.11", "3.12", "3.13")


@functools.cache
def _find(version):
    return find_python(version)


def interpreter(version):
    path = _find(version)
    if not path:
        pytest.skip("python%s not found on this machine (PATH or ~/.pyenv/versions)" % version)
    return path


def vermin_command():
    here = os.path.join(os.path.dirname(sys.executable), "vermin")
    return [here] if os.path.isfile(here) else [shutil.which("vermin") or "vermin"]


def test_vermin_confirms_3_9():
    # nothing in skills/ needs more than Python 3.9.
    proc = subprocess.run(vermin_command() + ["--target=3.9-", "--no-tips", "--violations", "--eval-annotations",
                                              SKILLS], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-1000:]


@pytest.mark.parametrize("version", OLD)
@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_old_python_is_refused_clearly(name, version, workdir):
    # the entry file parses on 3.6 and stops with the matchable line, exit 2, no traceback.
    python = interpreter(version)
    result = run(need(name), ["--help"], workdir, python=python)
    assert result.code == 2, result
    assert "Python 3.9+ required" in result.stderr and "Traceback" not in result.stderr, result
    assert result.stdout == ""


@pytest.mark.parametrize("version", OLD)
def test_gossamer_on_old_python(version, workdir):
    # Agents run gossamer.py themselves (--help here: no state written); on an old Python it works
    # or says "Python 3.9+ required" with exit 2, never a SyntaxError or traceback.
    python = interpreter(version)
    path = os.path.join(SKILLS, "qianwen-video-generation", "scripts", "gossamer.py")
    result = run(path, ["--help"], workdir, python=python)
    assert result.code in (0, 2) and "Error" not in result.stderr, result
    assert result.code == 0 or "Python 3.9+ required" in result.stderr, result


@pytest.mark.parametrize("version", SUPPORTED)
@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_help_runs_on_each_supported_python(name, version, workdir):
    python = interpreter(version)
    result = run(need(name), ["--help"], workdir, python=python)
    assert result.code == 0, result
    assert "usage:" in result.stdout.lower() and "Traceback" not in result.stderr


@pytest.mark.parametrize("version", SUPPORTED)
@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_real_call_on_each_supported_python(name, version, workdir, sim):
    # One real call per script and interpreter against the simulator (the CLI tests cover the rest).
    python = interpreter(version)
    args, env, check = real_call(SKILL_OF[name], sim)
    result = run(need(name), args, workdir, sim=sim, python=python, env=env)
    assert result.code == 0, result
    check(result, workdir)
