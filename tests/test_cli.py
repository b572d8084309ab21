"""cli: one-line argparse errors, the request read once, shell-quoted commands, the dry-run schema, render()."""

import argparse
import io
import json
import os
import shlex

import pytest
from qianwen_common import cli, output
from qianwen_common.errors import ApiError, NetworkError, StillRunning, SubmissionUnknown, TaskFailed, UsageError
from qianwen_common.plan import FileSlot, Plan

SCRIPT = "/opt/skills/qianwen-video-generation/scripts/video.py"
VIDEO = "/services/aigc/video-generation/video-synthesis"


def make_parser():
    parser = cli.parser("video.py", "test", "epilog")
    cli.add_generation_flags(parser, "model id")
    parser.add_argument("--output")
    return parser


def parse(argv):
    parser = make_parser()
    args = parser.parse_args(argv)
    cli.check_flags(args, parser)
    return args


# -- argparse errors: one line, exit 2

@pytest.mark.parametrize("argv,words", [
    (["--request", "{}", "--timeout", "soon"], ["--timeout", "invalid float value"]),
    (["--request", "{}", "--colour", "red"], ["unrecognized arguments: --colour red"]),
    (["--request", "{}", "--file", "x.json"], ["not allowed with argument"]),
    ([], ["give --request JSON"]),
    (["--request", "{}", "--concurrency", "0"], ["--concurrency 0"]),
    (["--request", "{}", "--poll-interval", "301"], ["--poll-interval"]),
    (["--request", "{}", "--timeout", "0"], ["--timeout"]),
    (["--request", "{}", "--output", "a\nb"], ["--output", "line break"]),
    (["--file", "a\x1bb.json"], ["--file", "control character"]),
    (["--task-id", "t1", "--dry-run"], ["--dry-run is for new requests"]),
    (["--request", "{}", "--same-seed"], ["--same-seed goes with --from"]),
])
def test_argparse_errors_are_one_line_exit_2(capsys, argv, words):
    with pytest.raises(SystemExit) as stop:
        parse(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and err.endswith(" (see --help)\n"), err
    assert "usage:" not in err
    for word in words:
        assert word in err, (word, err)


def test_parser_error_text_is_one_lined(capsys):
    with pytest.raises(SystemExit):
        make_parser().error("first\nsecond\r\nthird")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "first" in err and "third" in err


def test_good_flags_pass(tmp_path):
    args = parse(["--request", "{}", "--concurrency", "10", "--poll-interval", "0.5", "--timeout", "86400"])
    assert args.concurrency == 10 and args.timeout == 86400 and not args.dry_run


# -- read_json, read_request, read_sidecar

def test_read_json_depth_limit():
    nested = "[" * cli.MAX_DEPTH + "]" * cli.MAX_DEPTH
    assert cli.read_json(nested, "--request") is not None
    deeper = '{"a": ' * cli.MAX_DEPTH + "1" + "}" * cli.MAX_DEPTH
    with pytest.raises(UsageError, match="--request is nested deeper than 32 levels"):
        cli.read_json(deeper, "--request")
    with pytest.raises(UsageError, match="nested too deeply|nested deeper") as err:
        cli.read_json("[" * 200000 + "]" * 200000, "--file big.json")  # past the interpreter's recursion
    assert "--file big.json" in str(err.value) and err.value.exit_code == 2


@pytest.mark.parametrize("text", ['{"prompt": "\\ud800"}', '{"\\udfff": "x"}', '["ok", ["\\udc00 tail"]]'])
def test_read_json_refuses_lone_surrogates(text):
    with pytest.raises(UsageError, match="lone surrogate") as err:
        cli.read_json(text, "--request")
    assert err.value.exit_code == 2


def test_read_json_keeps_real_characters():
    assert cli.read_json('{"prompt": "\\ud83d\\ude00 \u732b"}', "--request") == {"prompt": "\U0001F600 \u732b"}


@pytest.mark.parametrize("text", ["{bad", "", '{"a": 1,}'])
def test_read_json_bad_text_names_the_source(text):
    with pytest.raises(UsageError, match=r"--file r\.json is not valid JSON .*example: --request"):
        cli.read_json(text, "--file r.json")


def namespace(**kwargs):
    fields = dict(request=None, file=None, from_sidecar=None, same_seed=False)
    fields.update(kwargs)
    return argparse.Namespace(**fields)


@pytest.mark.parametrize("text", ["{bad", "[1, 2]", "3", '"prompt"'])
def test_read_request_refuses(text):
    # moved from test_output.py (output.read_request is now cli.read_request)
    with pytest.raises(UsageError):
        cli.read_request(namespace(request=text))


def test_read_request_file(tmp_path):
    path = tmp_path / "r.json"
    path.write_bytes(b'\xef\xbb\xbf{"prompt": "x"}')
    assert cli.read_request(namespace(file=str(path))) == {"prompt": "x"}
    with pytest.raises(UsageError, match="not a readable file"):
        cli.read_request(namespace(file=str(tmp_path)))
    (tmp_path / "latin1.json").write_bytes(b'{"prompt": "caf\xe9"}')
    with pytest.raises(UsageError, match="UnicodeDecodeError"):
        cli.read_request(namespace(file=str(tmp_path / "latin1.json")))


def test_read_sidecar_drops_the_seed_unless_asked(tmp_path):
    path = tmp_path / "clip.json"
    body = {"model": "wan2.6-t2v", "input": {"prompt": "x"}, "parameters": {"seed": 7, "size": "1280*720"}}
    path.write_text(json.dumps({"kind": "qianwen-result", "body": body, "checked": False, "endpoint": VIDEO}))
    request, endpoint = cli.read_sidecar(namespace(from_sidecar=str(path)))
    assert "seed" not in request["parameters"] and request["parameters"]["size"] == "1280*720"
    assert endpoint == VIDEO  # an unchecked model goes back to the endpoint it used
    request, _ = cli.read_sidecar(namespace(from_sidecar=str(path), same_seed=True))
    assert request["parameters"]["seed"] == 7
    path.write_text(json.dumps({"prompt": "x"}))
    with pytest.raises(UsageError, match="not a result sidecar"):
        cli.read_sidecar(namespace(from_sidecar=str(path)))


# -- printed commands: python3, the absolute path, every part shell-quoted

HOSTILE = ["t1; rm -rf ~", "$(curl evil)", "`id`", "a b", "it's", 'say "hi"', "-x", "x\ny", "*", ""]


@pytest.mark.parametrize("value", HOSTILE)
def test_command_quotes_hostile_parts(value):
    line = cli.command(SCRIPT, "--task-id", value, "--output", "/tmp/my out/$HOME")
    assert shlex.split(line) == ["python3", SCRIPT, "--task-id", value, "--output", "/tmp/my out/$HOME"]


def test_command_paths_are_absolute_and_quoted(tmp_path, monkeypatch):
    folder = tmp_path / "skills dir; x"
    folder.mkdir()
    monkeypatch.chdir(str(folder))
    line = cli.command("video.py", "--resume", "b1")
    assert shlex.split(line) == ["python3", str(folder / "video.py"), "--resume", "b1"]


def test_resume_and_check_commands(tmp_path, monkeypatch):
    monkeypatch.chdir(str(tmp_path))
    resume = cli.resume_command(SCRIPT, "task-1", output="out dir")
    assert shlex.split(resume) == ["python3", SCRIPT, "--task-id", "task-1", "--output", str(tmp_path / "out dir")]
    assert shlex.split(cli.resume_command(SCRIPT, batch_id="20261201-120000-ab12cd")) == [
        "python3", SCRIPT, "--resume", "20261201-120000-ab12cd"]
    assert shlex.split(cli.check_command(SCRIPT, "task-1"))[-3:] == ["--task-id", "task-1", "--poll-once"]


# -- render: one error: line, then task_id:/resume:/check:

def render(capsys, error):
    code = cli.render(error)
    return code, capsys.readouterr().err.splitlines()


def test_render_usage_and_api_errors(capsys):
    assert render(capsys, UsageError("bad size")) == (2, ["error: bad size"])
    code, lines = render(capsys, ApiError("HTTP 400 InvalidParameter - line one\nline two"))
    assert code == 1 and lines == ["error: HTTP 400 InvalidParameter - line one\\nline two"]
    assert render(capsys, SubmissionUnknown("no answer"))[0] == 1
    assert render(capsys, NetworkError("URLError: cannot reach h"))[0] == 1


def test_render_masks_secrets_as_stars(capsys):
    code, lines = render(capsys, ApiError("HTTP 401 - Bearer sk-leakedkey12345678 refused"))
    assert lines == ["error: HTTP 401 - Bearer *** refused"]


def test_render_unexpected_exception(capsys):
    assert render(capsys, ValueError("boom\nmore")) == (1, ["error: ValueError: boom\\nmore"])


def test_render_still_running(capsys):
    resume = cli.resume_command(SCRIPT, "t-1")
    code, lines = render(capsys, StillRunning("task t-1 is still RUNNING after 600s (--timeout)", "t-1", resume))
    assert code == 3
    assert lines == ["task t-1 is still RUNNING after 600s (--timeout)", "task_id: t-1", "resume: " + resume]


def test_render_task_failed_names_task_resume_and_check(capsys):
    resume, check = cli.resume_command(SCRIPT, "t-2"), cli.check_command(SCRIPT, "t-2")
    error = TaskFailed("task t-2 FAILED: InternalError - x").about("t-2", resume, check)
    code, lines = render(capsys, error)
    assert code == 1
    assert lines == ["error: task t-2 FAILED: InternalError - x", "task_id: t-2", "resume: " + resume,
                     "check: " + check]
    # a second about() keeps the first task (the one the failure concerns)
    assert error.about("other", "r2").task_id == "t-2"


def test_run_main_turns_errors_into_codes(capsys):
    assert cli.run_main(lambda: 0) == 0
    assert cli.run_main(lambda: (_ for _ in ()).throw(UsageError("bad"))) == 2

    def interrupted():
        raise KeyboardInterrupt

    assert cli.run_main(interrupted) == 1
    assert "interrupted before any task was submitted" in capsys.readouterr().err


# -- the dry run: one schema for both scripts

DRY_RUN_KEYS = ["dry_run", "model", "mode", "async", "checked", "method", "url", "headers", "body", "uploads",
                "poll", "billing", "notes", "label"]


class FakeConfig:
    api_key = "sk-dryrun000000000000000"
    api_base = "http://127.0.0.1:1/api/v1"


def test_dry_run_view_schema_async_with_upload():
    plan = Plan(model="wan2.6-i2v", mode="i2v", endpoint=VIDEO, is_async=True,
                body={"model": "wan2.6-i2v", "input": {"prompt": "x", "img_url": "~/cat.png"}},
                files=(FileSlot(("input", "img_url"), "~/cat.png", "image"),),
                billing={"units": [], "assumed": [], "summary": "5 s of 720P video (wan2.6-i2v)"},
                notes=("duration: 5 (the API default)",), label="line2")
    view = cli.dry_run_view(plan, FakeConfig())
    assert list(view) == DRY_RUN_KEYS
    assert view["dry_run"] is True and view["async"] is True and view["method"] == "POST"
    assert view["url"] == FakeConfig.api_base + VIDEO
    assert view["headers"] == {"Authorization": "Bearer ***", "Content-Type": "application/json",
                               "X-DashScope-Async": "enable", "X-DashScope-OssResourceResolve": "enable"}
    assert view["uploads"] == [{"path": os.path.expanduser("~/cat.png"), "kind": "image",
                                "where": ["input", "img_url"]}]
    assert view["poll"] == "GET %s/tasks/<task_id>" % FakeConfig.api_base
    assert view["billing"]["summary"].startswith("5 s") and view["notes"] == ["duration: 5 (the API default)"]
    assert view["label"] == "line2" and view["body"] is plan.body
    assert "dryrun" not in json.dumps(view)


def test_dry_run_view_sync_without_key():
    class NoKey(FakeConfig):
        api_key = ""

    plan = Plan(model="wan2.6-t2i", mode="t2i", endpoint="/services/aigc/multimodal-generation/generation",
                is_async=False, body={"model": "wan2.6-t2i"}, checked=False)
    view = cli.dry_run_view(plan, NoKey())
    assert list(view) == DRY_RUN_KEYS
    assert view["headers"] == {"Authorization": "Bearer <DASHSCOPE_API_KEY not set>",
                               "Content-Type": "application/json"}
    assert view["poll"] is None and view["uploads"] == [] and view["label"] is None and view["checked"] is False


def test_show_plan_prints_bills_even_when_quiet():
    stream = io.StringIO()
    plan = Plan(model="m", mode="t2v", endpoint=VIDEO, is_async=True, body={}, notes=("a note",),
                billing={"units": [], "assumed": [], "summary": "10 s of 1080P video (m)"})
    cli.show_plan(plan, output.Progress(quiet=True, stream=stream))
    assert stream.getvalue() == "bills: 10 s of 1080P video (m)\n"


def test_check_plan_refuses_control_characters_in_paths():
    plan = Plan(model="m", mode="i2v", endpoint=VIDEO, is_async=True, body={},
                files=(FileSlot(("input", "img_url"), "a\nb.png", "image"),))
    with pytest.raises(UsageError, match="line break or control character"):
        cli.check_plan(plan)
