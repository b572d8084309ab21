"""Generate and edit images with the Wan and Qwen Image models (DashScope), sync or async.

Part of QianWen-AI/qianwen-ai (skill qianwen-image-generation). Standard library only.
"""
import sys

if sys.version_info < (3, 9):  # noqa: UP036 - must run (and parse) on old interpreters
    sys.stderr.write("Python 3.9+ required (this is %d.%d); install a newer python3, or use the curl "
                     "path in references/execution-guide.md\n" % tuple(sys.version_info[:2]))
    raise SystemExit(2)

import os  # noqa: E402

# Bytecode goes to the user's cache folder: running a script writes nothing into the installed skill.
if not getattr(sys, "pycache_prefix", None):  # 3.8+: bytecode outside the skill
    sys.pycache_prefix = os.path.join(os.path.expanduser("~"), ".cache", "qianwen-ai", "pycache")

import image_models as models  # noqa: E402
import image_request  # noqa: E402
import image_results  # noqa: E402
from qianwen_common import cli, generation  # noqa: E402

EPILOG = """examples:
  python3 %(script)s --request '{"prompt": "A cozy flower shop with wooden door"}' --print-response
  python3 %(script)s --model wan2.6-image --print-response \\
      --request '{"prompt": "make image 1 an ink sketch", "reference_images": ["photo.jpg"], "size": "1280*1280"}'
  python3 %(script)s --model qwen-image-3.0 --request '{"prompt": "a poster that reads OPEN DAY"}' --dry-run
  python3 %(script)s --from output/qianwen-image-generation/<name>.json
  python3 %(script)s --file <requests.jsonl> --concurrency 3

models: %(models)s (other ids are sent as given, with a warning, when their endpoint follows from the
name or from --endpoint)

%(exit)s
environment: DASHSCOPE_API_KEY (or QIANWEN_API_KEY, QWEN_API_KEY; also read from .env), QWEN_REGION,
QWEN_BASE_URL, QWEN_WORKSPACE_ID, QWEN_TOKEN_PLAN_BASE_URL, QWEN_TMP_OSS_BUCKET + QWEN_TMP_OSS_REGION
(own bucket for local files), QWEN_HTTP_TIMEOUT, HTTPS_PROXY, SSL_CERT_FILE, QWEN_NO_UPDATE_CHECK=1.
"""


def build_parser():
    parser = cli.parser("image.py", __doc__.splitlines()[0], EPILOG % {
        "script": os.path.abspath(__file__), "models": ", ".join(models.MODELS), "exit": cli.EXIT_HELP})
    cli.add_generation_flags(parser, "model id (default %s; overrides \"model\" in the request)"
                             % models.DEFAULT_MODEL)
    parser.add_argument("--async", dest="use_async", action="store_true",
                        help="use the async task endpoint (automatic where a model or mode is async only)")
    parser.add_argument("--output", metavar="PATH", help="a file name ending .png/.jpg/.jpeg/.webp/.bmp (several "
                        "images become NAME_1.png, NAME_2.png...) or a folder (default ./output/%s/)"
                        % image_results.SKILL)
    parser.add_argument("--poll-once", action="store_true",
                        help="async: check once: save the images if done, else exit 3 with the resume command")
    return parser


def build(request, args, target, label, endpoint, in_batch):
    """The plan of one request; an item of a batch keeps its own model over --model."""
    model = None if (in_batch and request.get("model")) else args.model
    return image_request.build(request, model=model, use_async=args.use_async, endpoint=endpoint,
                               allow_fields=tuple(args.allow_field), target=target, label=label)


SKILL = generation.Skill(script=os.path.abspath(__file__), title="QianWen images",
                         build=build, finisher=image_results.finisher, target=image_results.target,
                         mode_of=lambda model: None)


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    cli.check_flags(args, parser)
    return cli.run_main(lambda: generation.main(SKILL, args))


if __name__ == "__main__":
    raise SystemExit(main())
