"""One bundle version: version.json, every vendored copy, gossamer and the User-Agent agree."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SKILLS, run

VERSION_JSON = os.path.join(SKILLS, "qianwen-update-check", "version.json")
PROBE = ("import os, sys; sys.path.insert(0, sys.argv[1]); import gossamer; "
         "from qianwen_common import version, versions\n"
         "try:\n    from qianwen_common.http import USER_AGENT\n"
         "except ImportError:\n    USER_AGENT = 'qianwen-ai-skills/%s (not shipped)' % version.VERSION\n"
         "print(version.VERSION); print(USER_AGENT); print(versions.local_version(gossamer.HERE))")


def skill_script_dirs():
    dirs = [os.path.join(SKILLS, "_common")]
    for name in sorted(os.listdir(SKILLS)):
        scripts = os.path.join(SKILLS, name, "scripts")
        if not name.startswith("_") and os.path.isdir(os.path.join(scripts, "qianwen_common")):
            dirs.append(scripts)
    return dirs


def published_version():
    with open(VERSION_JSON) as handle:
        data = json.load(handle)
    return data["version"]


def test_version_json_is_a_release_version():
    from qianwen_common import versions
    assert versions.parse_version(published_version()) is not None


@pytest.mark.parametrize("scripts", skill_script_dirs(), ids=lambda p: p.split(os.sep)[-2])
def test_every_copy_and_the_user_agent_agree(scripts):
    out = subprocess.run([sys.executable, "-c", PROBE, scripts], capture_output=True, text=True,
                         cwd=ROOT, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    assert out.returncode == 0, out.stderr
    vendored, agent, local = out.stdout.splitlines()
    version = published_version()
    assert vendored == version
    assert agent.startswith("qianwen-ai-skills/%s " % version)
    assert local == version


def test_check_update_reports_the_same_local_version(workdir):
    result = run("check_update", ["--print-response"], workdir, key=None)  # opted out: no traffic
    assert result.code == 0 and result.json["local_version"] == published_version()
