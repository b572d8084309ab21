"""Check the QianWen (DashScope) API key without showing it: source, kind, endpoint, one probe, verdict."""

import sys

if sys.version_info < (3, 9):  # noqa: UP036 - must run (and parse) on old interpreters
    sys.stderr.write("Python 3.9+ required (found %d.%d); install a newer python3 and run this again\n"
                     % sys.version_info[:2])
    raise SystemExit(2)

import datetime  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402

# Bytecode goes to the user's cache folder: running a script writes nothing into the installed skill.
if not getattr(sys, "pycache_prefix", None):  # 3.8+: bytecode outside the skill
    sys.pycache_prefix = os.path.join(os.path.expanduser("~"), ".cache", "qianwen-ai", "pycache")

import auth_notes  # noqa: E402
import auth_verdicts  # noqa: E402
from qianwen_common import cli, config, http, output  # noqa: E402
from qianwen_common.errors import ApiError, NetworkError, UsageError  # noqa: E402

SKILL = "qianwen-ops-auth"
PROBE_MODEL = "qwen-turbo"
EPILOG = """examples:
  python3 <skill-dir>/scripts/check_auth.py
  python3 <skill-dir>/scripts/check_auth.py --print-response
  QWEN_REGION=ap-southeast-1 python3 <skill-dir>/scripts/check_auth.py --timeout 10

The key is never shown. One probe: POST <endpoint>/compatible-mode/v1/chat/completions with
model qwen-turbo, one message, max_tokens 1 (costs a token or two).
Evidence: a JSON and a text file per run under ./output/qianwen-ops-auth/ (never overwritten).

exit codes:
  0  the key works (also when only rate-limited)   1  rejected, not allowed, or unreachable
  2  no key, or bad settings

environment:
  DASHSCOPE_API_KEY (aliases QIANWEN_API_KEY, QWEN_API_KEY), read from the environment, then
  ./.env, then .env at the project root; QWEN_REGION (default cn-beijing); QWEN_BASE_URL (overrides
  the region); QWEN_WORKSPACE_ID; QWEN_TOKEN_PLAN_BASE_URL (the host plan keys sk-sp- are probed on);
  HTTPS_PROXY and SSL_CERT_FILE are honoured."""


def parse(argv):
    parser = cli.parser("check_auth.py", __doc__, EPILOG)
    parser.add_argument("--print-response", action="store_true",
                        help="print the result as one JSON object on stdout")
    parser.add_argument("--output", metavar="DIR",
                        help="folder for the evidence files (default ./output/qianwen-ops-auth/)")
    parser.add_argument("--timeout", type=float, default=20.0,
                        help="seconds to wait for the probe (default %(default)s)")
    args = parser.parse_args(argv)
    if not 0 < args.timeout <= 300:
        parser.error("--timeout %s: expected seconds between 0 and 300" % args.timeout)
    return args


def key_facts(cfg):
    """Where the key came from and what kind it is; never any character of it."""
    variable, _, rest = (cfg.key_source or "").partition(" (")
    where = (rest[:-1] if rest.endswith(")") else rest).rpartition(" line ")[0] or None
    return {"key_set": bool(cfg.api_key), "key_source": cfg.key_source, "key_variable": variable or None,
            "key_file": where,
            "key_kind": cfg.key_kind, "key_kind_note": auth_verdicts.KIND_NOTES[cfg.key_kind]}


def probe(cfg, timeout):
    """One minimal chat call; returns status, API code and request id, never the message text."""
    body = {"model": PROBE_MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1}
    result = {"method": "POST", "model": PROBE_MODEL, "http_status": None, "error_code": None,
              "request_id": None, "has_content": False, "error": None}
    started = time.monotonic()
    try:
        # ONCE: a probe is not retried; a 429 or 5xx is itself the answer we report.
        answer = http.request_json("POST", cfg.compat_base + "/chat/completions", body,
                                   api_key=cfg.api_key, timeout=timeout, policy=http.ONCE, config=cfg)
        result["http_status"] = 200
        result["request_id"] = answer.get("request_id") or answer.get("id")
        choices = answer.get("choices")
        message = choices[0].get("message") if isinstance(choices, list) and choices and \
            isinstance(choices[0], dict) else None
        result["has_content"] = isinstance(message, dict) and "content" in message
    except ApiError as exc:
        # No status: a 2xx answer that was not a JSON object (a proxy page, a wrong base URL).
        result.update(http_status=exc.status or 200, error_code=exc.code, request_id=exc.request_id)
    except NetworkError as exc:
        result["error"] = str(exc)
    result["elapsed_ms"] = int((time.monotonic() - started) * 1000)
    return result


def build_record(cfg, args):
    now = datetime.datetime.now(datetime.timezone.utc)
    record = {"checked_at": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
    record.update(key_facts(cfg))
    record.update(region=cfg.region, endpoint=cfg.compat_base + "/chat/completions",
                  endpoint_from=cfg.base_source, warnings=list(cfg.warnings))
    record["qwen_code"] = auth_notes.qwen_code_notes(os.getcwd(), os.path.expanduser("~"))
    if cfg.api_key:
        record["probe"] = probe(cfg, args.timeout)
        name, code, summary, steps = auth_verdicts.verdict(cfg.key_kind, record["probe"])
    else:
        record["probe"] = None
        name = "missing_key"
        code, summary, steps = auth_verdicts.VERDICTS[name]
    record.update(verdict=name, valid=code == 0, exit_code=code, summary=summary, next_steps=list(steps))
    if name != "valid" and any(note["has_key"] and not note["plan"] for note in record["qwen_code"]):
        record["next_steps"].append("Qwen Code settings with a DashScope key were found; see the "
                                    "qwen_code notes to reuse that key here.")
    return record


def save(record, args):
    """Write the evidence files; a folder that cannot be written is a warning, not a failure."""
    folder = args.output or output.default_output_dir(SKILL)
    try:
        folder = output.check_output_target(folder, __file__)
        text = auth_notes.render_text(record)
        return auth_notes.write_evidence(folder, record, text)
    except UsageError as exc:
        record["warnings"].append("evidence not saved: %s" % exc)
    except OSError as exc:
        record["warnings"].append("evidence not saved: PermissionError or disk problem writing %s (%s); "
                                  "pass --output with a writable folder" % (folder, type(exc).__name__))
    return None


def run(args):
    """One check: facts, one probe, a verdict, the evidence files; returns the exit code."""
    cfg = config.load_config(require_key=False)
    record = build_record(cfg, args)
    paths = save(record, args)
    if paths:
        record["evidence"] = {"json": paths[0], "text": paths[1]}
    progress = output.Progress()
    for line in auth_notes.render_text(record).splitlines()[1:]:
        progress(line)
    if paths:
        progress("evidence: %s (+ .txt)" % os.path.relpath(paths[0]))
    if args.print_response:
        output.emit(record)
    if record["verdict"] == "missing_key":
        raise UsageError(config.MISSING_KEY)
    return record["exit_code"]


def main(argv=None) -> int:
    args = parse(argv)
    return cli.run_main(lambda: run(args))


if __name__ == "__main__":
    raise SystemExit(main())
