"""Generate a video with the QianWen (DashScope) Wan and HappyHorse models: validate, submit, poll, download.

Modes t2v, i2v, kf2v, r2v, vace, videoedit, and Wan 3.0 for all of them; see SKILL.md and references/.
"""
import sys

if sys.version_info < (3, 9):  # noqa: UP036 - must run on old interpreters
    sys.stderr.write("Python 3.9+ required (found %d.%d); install a newer python3 or use the curl "
                     "path in references/execution-guide.md\n" % tuple(sys.version_info[:2]))
    raise SystemExit(2)

import os  # noqa: E402

# Bytecode goes to the user's cache folder: running a script writes nothing into the installed skill.
if not getattr(sys, "pycache_prefix", None):  # 3.8+: bytecode outside the skill
    sys.pycache_prefix = os.path.join(os.path.expanduser("~"), ".cache", "qianwen-ai", "pycache")

import video_models  # noqa: E402
import video_request  # noqa: E402
import video_run  # noqa: E402
from qianwen_common import cli, generation  # noqa: E402

EPILOG = """examples:
  python3 %(script)s --request '{"prompt": "A detective in a rainy city at night", "size": "1280*720", "duration": 5}'
  python3 %(script)s --request '{"prompt": "the flag waves", "img_url": "./flag.png", "resolution": "720P"}'
  python3 %(script)s --model wan3.0-video --dry-run \\
      --request '{"prompt": "Image 1 walks on a beach", "reference_images": ["https://example.com/cat.png"]}'
  python3 %(script)s --submit-only --request '{"prompt": "a fox in the snow", "size": "1280*720"}'
  python3 %(script)s --task-id 0385dc79-... --output ./clips/
  python3 %(script)s --file <requests.jsonl> --concurrency 3

%(exit)s
environment: DASHSCOPE_API_KEY (or QIANWEN_API_KEY, QWEN_API_KEY; also read from .env), QWEN_REGION,
QWEN_BASE_URL, QWEN_WORKSPACE_ID, QWEN_TOKEN_PLAN_BASE_URL, QWEN_TMP_OSS_BUCKET + QWEN_TMP_OSS_REGION
(own bucket for local files), QWEN_HTTP_TIMEOUT, HTTPS_PROXY, SSL_CERT_FILE, QWEN_NO_UPDATE_CHECK=1.
"""


def build_parser():
    parser = cli.parser("video.py", __doc__.splitlines()[0], EPILOG % {
        "script": os.path.abspath(__file__), "exit": cli.EXIT_HELP})
    cli.add_generation_flags(parser, "model id (default per mode: %s)" % ", ".join(
        "%s %s" % item for item in video_models.DEFAULT_MODELS.items()))
    parser.add_argument("--mode", choices=video_models.MODES,
                        help="override mode detection (detected from the fields and the model)")
    parser.add_argument("--output", metavar="DIR-or-FILE", help="folder or .mp4 file for the video (default "
                        "./output/%s/); its sidecar NAME.json is saved beside it" % video_run.SKILL)
    parser.add_argument("--submit-only", action="store_true",
                        help="submit and print the task id (stdout: the id alone; JSON with --print-response)")
    parser.add_argument("--poll-once", action="store_true",
                        help="check once: download if done, else exit 3 with the resume command")
    return parser


def build(request, args, target, label, endpoint, in_batch):
    """The plan of one request; an item of a batch keeps its own model (and mode) over the flags."""
    own = in_batch and request.get("model") is not None
    return video_request.build(request, model=None if own else args.model, mode=None if own else args.mode,
                               endpoint=endpoint, allow_fields=tuple(args.allow_field), target=target,
                               label=label)


def mode_of(model):
    entry = video_models.MODELS.get(model)
    return entry.mode if entry is not None and entry.mode in video_models.MODES else None


SKILL = generation.Skill(script=os.path.abspath(__file__), title="QianWen videos",
                         build=build, finisher=video_run.finisher, target=video_run.target, mode_of=mode_of)


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    cli.check_flags(args, parser)
    if args.submit_only and (args.task_id or args.resume or args.cancel):
        parser.error("--submit-only is for a new request")
    return cli.run_main(lambda: generation.main(SKILL, args))


if __name__ == "__main__":
    raise SystemExit(main())
