"""Each skill folder copied alone still runs; every --help ends with working examples; flags agree."""

import json
import os
import re
import shlex
import shutil

import pytest

from tests.conftest import SCRIPTS, SKILLS, assert_no_key, run
from tests.test_install import SKILL_OF, need

# The same meaning, the same spelling (CONTRACT.md "Scripts").
SHARED_FLAGS = {
    "image": ["--request", "--file", "--model", "--output", "--print-response", "--dry-run", "--quiet"],
    "video": ["--request", "--file", "--model", "--output", "--print-response", "--dry-run", "--quiet",
              "--mode", "--submit-only", "--task-id", "--poll-once", "--poll-interval", "--timeout"],
    "check_update": ["--print-response", "--force"],
    "check_auth": [],
}


@pytest.fixture
def alone(tmp_path):
    """copy(skill) -> that skill folder copied by itself (no siblings, no repo around it)."""
    def copy(skill):
        target = tmp_path / "alone" / skill
        shutil.copytree(os.path.join(SKILLS, skill), str(target),
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        return str(target)
    return copy


def help_text(name, workdir, script=None):
    result = run(script or SCRIPTS[name], ["--help"], workdir)
    assert result.code == 0, result
    assert "[ACTION_REQUIRED]" not in result.stderr and "[UPDATE_AVAILABLE]" not in result.stderr
    return result.stdout


def listed_flags(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", text))


def logical_lines(text):
    """The help's lines with shell continuations (a trailing backslash) joined."""
    return re.sub(r"\\\n\s*", " ", text).splitlines()


def examples(name, lines):
    """Example command lines: they call the script by its file name."""
    file_name = re.escape(os.path.basename(SCRIPTS[name]))
    return [i for i, line in enumerate(lines)
            if re.search(r"\b%s\b" % file_name, line) and not line.lstrip().lower().startswith("usage:")]


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_copied_alone_runs_help_from_elsewhere(name, alone, workdir):
    # the folder alone is enough (vendored helper); absolute path, unrelated cwd.
    need(name)
    folder = alone(SKILL_OF[name])
    script = os.path.join(folder, "scripts", os.path.basename(SCRIPTS[name]))
    text = help_text(name, workdir, script)
    assert "usage:" in text.lower()
    gossamer = run(os.path.join(folder, "scripts", "gossamer.py"), ["--help"], workdir)
    assert gossamer.code == 0 and "--dismiss" in gossamer.stdout and "--never-install" in gossamer.stdout
    assert not os.path.exists(os.path.join(folder, "output")), "--help wrote into the skill folder"


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_help_ends_with_working_examples(name, workdir):
    # Issue 7 / STYLE: --help closes with 2-3 examples that use only flags the script has.
    need(name)
    lines = logical_lines(help_text(name, workdir))
    found = examples(name, lines)
    assert len(found) >= 2, "fewer than two examples in %s --help:\n%s" % (name, "\n".join(lines))
    options = [i for i, line in enumerate(lines) if re.match(r"  (-\w, )?--[a-z]", line)]
    assert options and max(options) < found[0], "the examples come after the options list"
    known = listed_flags("\n".join(lines[:found[0]]))  # the flags argparse lists above them
    for i in found:
        unknown = listed_flags(lines[i]) - known
        assert not unknown, "example uses flags %s is missing: %s" % (sorted(unknown), lines[i])


def runnable(name, line):
    """(env, args) to run one help example against the simulator, or None with a reason to skip it."""
    try:
        tokens = shlex.split(line)
    except ValueError as exc:  # a quote left open: the example goes on to the next line without a backslash
        pytest.fail("%s --help example is not one command line (%s); continue it with a trailing backslash: %s"
                    % (name, exc, line.strip()))
    at = next(i for i, token in enumerate(tokens) if token.endswith(os.path.basename(SCRIPTS[name])))
    env = dict(token.split("=", 1) for token in tokens[:at] if re.match(r"[A-Z_]+=", token))
    args = tokens[at + 1:]
    if any("..." in arg or "<" in arg for arg in args):
        return None, "placeholder"
    if "--request" in args:
        values = json.loads(args[args.index("--request") + 1]).values()
        files = [v for v in values for v in (v if isinstance(v, list) else [v])
                 if isinstance(v, str) and re.search(r"\.(png|jpe?g|webp|bmp|mp4|mov|mp3|wav)$", v) and "://" not in v]
        if files:
            return None, "needs the user's local file %s" % files[0]
    if name in ("image", "video") and "--dry-run" not in args:
        args.append("--dry-run")  # validated in full, nothing submitted
    if name == "check_update":
        env["QWEN_UPDATE_URL"] = None  # set per run below, to the simulator's version.json
    return env, args


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_help_examples_work(name, workdir, sim):
    # Issue 7: the examples are working commands (image/video as --dry-run; the others for real).
    need(name)
    lines = logical_lines(help_text(name, workdir))
    ran, skipped = 0, []
    for i in examples(name, lines):
        env, args = runnable(name, lines[i])
        if env is None:
            skipped.append("%s (%s)" % (lines[i].strip(), args))
            continue
        if "QWEN_UPDATE_URL" in env:
            env["QWEN_UPDATE_URL"] = sim.base_url + "/version.json"
        result = run(name, args, workdir, sim=sim, env=env)
        assert result.code == 0, "example failed: %s\n%r" % (lines[i].strip(), result)
        assert_no_key(result.stdout, result.stderr)
        ran += 1
    assert ran >= 1, "no example of %s could run here; skipped: %s" % (name, skipped)


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_shared_flags_spelled_alike(name, workdir):
    # X-12: --help lists every argument; the flags that mean the same are spelled the same.
    need(name)
    flags = listed_flags(help_text(name, workdir))
    missing = [flag for flag in SHARED_FLAGS[name] if flag not in flags]
    assert not missing, "%s --help does not list %s" % (name, missing)
    assert not [flag for flag in flags if "_" in flag], "flags use hyphens"
    assert not flags & {"--out", "--outdir", "--output-dir", "--json", "--verbose-json", "--taskid"}, flags


STANDALONE_PYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]
DRY_RUNS = {"image": ["--request", '{"prompt": "A cozy flower shop with wooden door"}', "--dry-run"],
            "video": ["--request", '{"prompt": "A detective in a rainy city at night", "size": "1280*720", '
                      '"duration": 5}', "--dry-run"],
            "check_update": ["--print-response"],            # opted out by the fixture: no traffic
            "check_auth": ["--help"]}


@pytest.mark.parametrize("version", STANDALONE_PYTHONS)
@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_copied_alone_runs_on_every_python(name, version, alone, workdir):
    # Issue 12.4: each skill ships only its import closure, and that is enough on 3.9 to 3.13.
    from tests.conftest import find_python
    need(name)
    python = find_python(version)
    if python is None:
        pytest.skip("python%s not found on this machine" % version)
    folder = alone(SKILL_OF[name])
    script = os.path.join(folder, "scripts", os.path.basename(SCRIPTS[name]))
    for args in (["--help"], DRY_RUNS[name]):
        result = run(script, args, workdir, python=python)
        assert result.code == 0, "%s %s on %s: %r" % (name, args, version, result)
