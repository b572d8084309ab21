"""Generate a video with the QianWen (DashScope) Wan and HappyHorse models: validate, submit, poll, download.

Modes t2v, i2v, kf2v, r2v, vace, videoedit; see SKILL.md and references/ beside this folder.
"""
import sys

if sys.version_info < (3, 9):  # noqa: UP036 - must run on old interpreters
    sys.stderr.write("Python 3.9+ required (found %d.%d); install a newer python3 or use the curl "
                     "path in references/execution-guide.md\n" % tuple(sys.version_info[:2]))
    raise SystemExit(2)

import argparse  # noqa: E402
import os  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gossamer  # noqa: E402
import video_batch  # noqa: E402
import video_models  # noqa: E402
import video_request  # noqa: E402
import video_run  # noqa: E402
from qianwen_common import batch, output, tasks, upload  # noqa: E402
from qianwen_common import config as qconfig  # noqa: E402
from qianwen_common.errors import SubmissionUnknown, UsageError  # noqa: E402

EPILOG = """examples:
  python3 %(script)s --request '{"prompt": "A detective in a rainy city at night", "size": "1280*720", "duration": 5}'
  python3 %(script)s --request '{"prompt": "the flag waves", "img_url": "./flag.png", "resolution": "720P"}'
  python3 %(script)s --model wan2.7-i2v --request '{"first_frame_url": "https://example.com/a.png"}' --dry-run
  python3 %(script)s --task-id 0385dc79-... --output ./clips/
  python3 %(script)s --file <requests.jsonl> --concurrency 3
  python3 %(script)s --resume <batch_id>

exit codes: 0 done; 1 the API, the network or the task failed; 2 bad input or configuration (nothing
was sent); 3 the task is still running: run the printed `resume:` command.
environment: DASHSCOPE_API_KEY (or QIANWEN_API_KEY, QWEN_API_KEY; also read from .env), QWEN_REGION,
QWEN_BASE_URL, QWEN_TMP_OSS_BUCKET + QWEN_TMP_OSS_REGION (own bucket for local files),
HTTPS_PROXY, SSL_CERT_FILE, QWEN_NO_UPDATE_CHECK=1.
"""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2), like every other bad-input message."""

    def error(self, message):
        self.exit(2, "error: %s (see --help)\n" % message)


def parse(argv):
    parser = Parser(
        description=__doc__, epilog=EPILOG % {"script": os.path.abspath(__file__)},
        formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--request", metavar="JSON", help="the request: short form {\"prompt\", \"size\", "
                        "\"img_url\", ...} or raw API form {\"model\", \"input\", \"parameters\"}")
    source.add_argument("--file", metavar="PATH", help="read the request JSON from a file; a JSON array "
                        "or JSON Lines file runs a batch (stdout: one summary JSON)")
    source.add_argument("--task-id", metavar="ID", help="resume an existing task: poll it, then download")
    source.add_argument("--resume", metavar="BATCH", help="continue a batch by id or state file path; "
                        "never re-submits an item that has a task id")
    parser.add_argument("--concurrency", type=int, default=3, metavar="N",
                        help="batch: items submitted and downloaded at once (default 3, max 10)")
    parser.add_argument("--mode", choices=video_models.MODES,
                        help="override mode detection (detected from the fields and the model)")
    parser.add_argument("--model", metavar="ID", help="model id (default per mode: %s)" % ", ".join(
        "%s %s" % item for item in video_models.DEFAULT_MODELS.items()))
    parser.add_argument("--output", metavar="DIR-or-FILE",
                        help="folder or .mp4 file for the video (default ./output/qianwen-video-generation/)"
                             "; the task JSON is saved beside it")
    parser.add_argument("--print-response", action="store_true",
                        help="add the full task answer to the stdout JSON (with --submit-only: JSON, not "
                             "the bare id)")
    parser.add_argument("--submit-only", action="store_true", help="submit and print the task id; no waiting")
    parser.add_argument("--poll-once", action="store_true",
                        help="check once: download if done, else exit 3 with the resume command")
    parser.add_argument("--poll-interval", type=float, metavar="S",
                        help="seconds between polls (default adaptive: about 1 s at first, growing to 15 s)")
    parser.add_argument("--timeout", type=float, default=600.0, metavar="S",
                        help="stop waiting after S seconds with exit 3 (default 600); the task continues")
    parser.add_argument("--dry-run", action="store_true",
                        help="show mode, model, endpoint, headers (key masked) and body; send nothing")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr (warnings stay)")
    args = parser.parse_args(argv)
    if args.request is None and args.file is None and args.task_id is None and args.resume is None:
        parser.error("give --request JSON, --file PATH, --task-id ID or --resume BATCH")
    if not 1 <= args.concurrency <= 10:
        parser.error("--concurrency %s: give a number from 1 to 10" % args.concurrency)
    if args.resume and (args.submit_only or args.dry_run or args.poll_once):
        parser.error("--resume continues a batch; --submit-only, --dry-run and --poll-once do not apply")
    if args.poll_interval is not None and not 0 < args.poll_interval <= 300:
        parser.error("--poll-interval %s: give seconds between 0 and 300" % args.poll_interval)
    if not args.timeout > 0:
        parser.error("--timeout %s: give a positive number of seconds" % args.timeout)
    if args.task_id and (args.submit_only or args.dry_run):
        parser.error("--task-id resumes a task; --submit-only and --dry-run are for new requests")
    return args


def load(args, progress):
    config = qconfig.load_config(require_key=not args.dry_run)
    for line in config.warnings:
        progress.warn(line)
    if config.key_kind == "plan":
        progress.warn("this key starts with sk-sp- (a Token Plan or Coding Plan key); the video API needs "
                      "a standard sk- key, so the call will likely fail with HTTP 401 or 403")
    return config


def dry_run_view(config, plan, progress):
    """What would be sent: nothing is uploaded and nothing is sent."""
    body = plan["body"]
    uploads = [path for _c, _k, path in video_run.local_slots(body)]
    headers = {"Authorization": "Bearer sk-***" if config.api_key else "Bearer <DASHSCOPE_API_KEY not set>",
               "Content-Type": "application/json", "X-DashScope-Async": "enable"}
    if uploads or "oss://" in str(body.get("input")):
        headers.update(upload.RESOLVE_HEADER)
    progress("dry run: mode %s (%s); model %s; POST %s%s" % (plan["mode"], plan["reason"], plan["model"],
                                                            config.api_base, plan["endpoint"]))
    if uploads:
        progress("dry run: %d local file(s) would be uploaded first and replaced by oss:// URLs"
                 % len(uploads))
    return {"dry_run": True, "mode": plan["mode"], "model": plan["model"], "detection": plan["reason"],
            "form": plan["form"], "method": "POST", "endpoint": config.api_base + plan["endpoint"],
            "headers": headers, "body": body, "uploads": uploads, "notes": plan["notes"]}


def run_batch(args, config, progress, found):
    """--file with many requests: validate all, then submit, poll and download them together."""
    requests, labels = found
    if args.submit_only or args.poll_once:
        raise UsageError("--file %s holds a batch; --submit-only and --poll-once are for one request "
                         "(use --timeout, then --resume)" % args.file)
    plans = video_batch.plan_all(requests, labels, args.model, args.mode, config.international)
    folder = None if args.dry_run else video_batch.folder_for(args.output)
    gossamer.signal_updates(__file__)
    if args.dry_run:
        output.emit(video_batch.dry_run(plans, labels, lambda plan: dry_run_view(config, plan, progress)))
        return 0
    return video_batch.start(config, plans, labels, folder, args, __file__, progress)


def submit_new(args, config, progress):
    found = batch.file_batch(args.file) if args.file else None
    if found:
        return run_batch(args, config, progress, found)
    request = output.read_request(args.request, args.file)
    plan = video_request.build(request, args.model, args.mode, config.international)
    if not args.submit_only and not args.dry_run:
        video_run.output_target(args.output, plan["mode"])
    gossamer.signal_updates(__file__)
    for note in plan["notes"]:
        progress("note: " + note)
    if args.dry_run:
        output.emit(dry_run_view(config, plan, progress))
        return 0
    try:
        task_id, answer = video_run.submit(config, plan, progress)
    except KeyboardInterrupt:
        raise SubmissionUnknown("interrupted while uploading or submitting; if the submit had started the "
                                "task may exist: check the console's task list before resubmitting") from None
    resume = video_run.resume_command(__file__, task_id, args.output)
    sys.stderr.write("submitted %s task (model %s)\ntask_id: %s\nresume: %s\n"
                     % (plan["mode"], plan["model"], task_id, resume))
    if args.submit_only:
        if args.print_response:
            output.emit({"task_id": task_id, "task_status": tasks.status_of(answer),
                         "mode": plan["mode"], "model": plan["model"], "resume": resume,
                         "response": answer})
        else:
            sys.stdout.write(task_id + "\n")
        return 0
    output.emit(video_run.follow(config, task_id, args, __file__, plan["mode"], plan["model"], progress))
    return 0


def resume_task(args, config, progress):
    video_run.check_task_id(args.task_id)
    mode = args.mode
    if args.model and args.model not in video_models.MODELS:
        raise UsageError("--model %s: unknown video model" % args.model)
    if args.model and not mode:
        mode = video_models.MODELS[args.model]["mode"]
    video_run.output_target(args.output, mode)
    gossamer.signal_updates(__file__)
    output.emit(video_run.follow(config, args.task_id, args, __file__, mode, args.model, progress))
    return 0


def main(argv=None) -> int:
    args = parse(argv)
    progress = output.Progress(args.quiet)
    try:
        config = load(args, progress)
        if args.task_id:
            return resume_task(args, config, progress)
        if args.resume:
            return video_batch.resume(config, args, __file__, progress)
        return submit_new(args, config, progress)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted before anything was submitted; nothing was sent or paid\n")
        return 1
    except Exception as exc:  # noqa: BLE001 - one line and an exit code, never a traceback
        return output.fail(exc)


if __name__ == "__main__":
    raise SystemExit(main())
