"""Generate and edit images with the Wan and Qwen Image models (DashScope), sync or async.

Part of QianWen-AI/qianwen-ai (skill qianwen-image-generation). Standard library only.
"""
import sys

if sys.version_info < (3, 9):  # noqa: UP036 - must run (and parse) on old interpreters
    sys.stderr.write("Python 3.9+ required (this is %d.%d); install a newer python3, or use the curl "
                     "path in references/execution-guide.md\n" % tuple(sys.version_info[:2]))
    raise SystemExit(2)

import argparse  # noqa: E402
import os  # noqa: E402

import gossamer  # noqa: E402
import image_batch  # noqa: E402
import image_models as models  # noqa: E402
import image_request  # noqa: E402
import image_results  # noqa: E402
from qianwen_common import batch, errors, http, output  # noqa: E402
from qianwen_common import config as qconfig  # noqa: E402
from qianwen_common.redact import mask  # noqa: E402

SKILL = "qianwen-image-generation"
SKILLS_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SYNC_TIMEOUT = 300  # a slow success must not become an ambiguous (possibly billed) timeout
# Words of a 4xx answer meaning "wrong endpoint or call style": refused before any work, so not billed.
WRONG_ROUTE_WORDS = ("synchronous calls", "asynchronous calls", "api url", "requested url", "streaming")
ASYNC_HEADER = {"X-DashScope-Async": "enable"}  # tasks.ASYNC_HEADER; the tasks module loads only for async

EPILOG = """examples:
  python3 %(script)s --request '{"prompt": "A cozy flower shop with wooden door"}' \\
      --output output/qianwen-image-generation/images/out.png --print-response
  python3 %(script)s --model wan2.6-image --print-response \\
      --request '{"prompt": "make image 1 an ink sketch", "reference_images": ["photo.jpg"], "size": "1K"}'
  python3 %(script)s --model wan2.6-image --print-response \\
      --request '{"prompt": "a 3-step guide to folding a paper boat", "enable_interleave": true, "max_images": 3}'
  python3 %(script)s --file <requests.jsonl> --concurrency 3
  python3 %(script)s --resume <batch_id>

models: %(models)s

exit codes: 0 done; 1 API, network or task failure; 2 bad input or missing configuration (nothing
sent); 3 async task still running: run the printed resume command.
environment: DASHSCOPE_API_KEY (or QIANWEN_API_KEY, QWEN_API_KEY; also read from .env), QWEN_REGION,
QWEN_BASE_URL, QWEN_TMP_OSS_BUCKET + QWEN_TMP_OSS_REGION (own bucket for local files),
HTTPS_PROXY, SSL_CERT_FILE, QWEN_NO_UPDATE_CHECK=1.
"""


def build_parser():
    parser = argparse.ArgumentParser(
        prog="image.py", description=__doc__.splitlines()[0],
        epilog=EPILOG % {"script": os.path.abspath(__file__), "models": ", ".join(models.MODELS)},
        formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--request", metavar="JSON", help="the request as JSON (short or raw API form)")
    source.add_argument("--file", metavar="PATH", help="read the request JSON from a file; a JSON array "
                        "or JSON Lines file runs a batch (stdout: one summary JSON)")
    source.add_argument("--task-id", metavar="ID", help="resume an async image task and save its images")
    source.add_argument("--resume", metavar="BATCH", help="continue a batch by id or state file path; "
                        "never re-submits an item that has a task id")
    parser.add_argument("--concurrency", type=int, default=3, metavar="N",
                        help="batch: items sent and downloaded at once (default 3, max 10)")
    parser.add_argument("--model", metavar="ID", help="model id (default %s; overrides \"model\" in "
                        "the request)" % models.DEFAULT_MODEL)
    parser.add_argument("--async", dest="use_async", action="store_true",
                        help="use the async task endpoint (automatic where a model or mode is async only)")
    parser.add_argument("--output", metavar="PATH", help="a file name ending .png/.jpg/.jpeg/.webp/.bmp "
                        "(several images become NAME_1.png, NAME_2.png…) or else a folder "
                        "(default ./output/%s/)" % SKILL)
    parser.add_argument("--print-response", action="store_true",
                        help="also put the API's final answer in the stdout JSON as `response`")
    parser.add_argument("--dry-run", action="store_true",
                        help="show endpoint, headers (key masked) and body; send nothing")
    parser.add_argument("--timeout", type=float, default=600.0, metavar="S",
                        help="async: stop waiting after S seconds, exit 3 with a resume command (default 600)")
    parser.add_argument("--poll-interval", type=float, metavar="S",
                        help="async: seconds between polls (default: adaptive, 1 s growing to 15 s)")
    parser.add_argument("--quiet", action="store_true", help="only warnings and errors on stderr")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    progress = output.Progress(args.quiet)
    state = {}
    try:
        if not (args.request or args.file or args.task_id or args.resume):
            raise errors.UsageError("give --request JSON, --file PATH, --task-id ID or --resume BATCH "
                                    "(see --help)")
        if not 1 <= args.concurrency <= 10:
            raise errors.UsageError("--concurrency %s: give a number from 1 to 10" % args.concurrency)
        if not args.timeout > 0:
            raise errors.UsageError("--timeout %s: give a positive number of seconds" % args.timeout)
        if args.poll_interval is not None and not 0 < args.poll_interval <= 300:
            raise errors.UsageError("--poll-interval %s: give seconds between 0 and 300" % args.poll_interval)
        found = batch.file_batch(args.file) if args.file else None
        if found or args.resume:
            return run_batch(args, progress, found)
        result = resume(args, progress, state) if args.task_id else generate(args, progress, state)
        if result is not None:
            output.emit(result)
        return 0
    except KeyboardInterrupt:
        if state.get("task_id"):
            return output.fail(errors.StillRunning("interrupted before the images were saved",
                                                   state["task_id"], state["resume"]))
        return output.fail(errors.NetworkError(
            "interrupted%s" % ("; the call may have been billed: do not re-send it blindly"
                               if state.get("sent") else "")))
    except Exception as exc:  # noqa: BLE001 - main() is the one place that turns errors into exit codes
        code = output.fail(exc)
        if state.get("task_id") and not isinstance(exc, errors.StillRunning):
            sys.stderr.write("task_id: %s\nresume: %s\n" % (state["task_id"], state["resume"]))
        return code


def run_batch(args, progress, found):
    """--file with many requests (or --resume BATCH): validate all first, then the shared Runner."""
    if args.resume:
        if args.dry_run:
            raise errors.UsageError("--resume continues a batch; --dry-run is for new requests")
        config = qconfig.load_config()
        warn_config(config, progress)
        return image_batch.resume(config, args, __file__, progress, output.default_output_dir(SKILL),
                                  SKILLS_ROOT)
    entries = image_batch.plan_all(found[0], found[1], args.model, args.use_async)
    folder = None if args.dry_run else image_batch.folder_for(args.output, output.default_output_dir(SKILL),
                                                               SKILLS_ROOT)
    config = qconfig.load_config(require_key=not args.dry_run)
    gossamer.signal_updates(__file__)
    warn_config(config, progress)
    if args.dry_run:
        output.emit({"dry_run": True, "batch": True, "total": len(entries),
                     "items": [dict(dry_run(plan, config), item=entry["label"]) for plan, entry in entries]})
        return 0
    return image_batch.start(config, entries, folder, args, __file__, progress)


def generate(args, progress, state):
    request = output.read_request(args.request, args.file)
    model, fields = image_request.normalize(request, args.model)
    plan = image_request.validate(model, fields, args.use_async)
    check_output(args)
    config = qconfig.load_config(require_key=not args.dry_run)
    gossamer.signal_updates(__file__)
    warn_config(config, progress)
    if plan["note"]:
        progress(plan["note"])
    if args.dry_run:
        output.emit(dry_run(plan, config))
        return None
    refs = upload_locals(plan, config, progress)
    result_context = context(args, plan["model"], plan["fields"].get("size"), plan["fields"].get("seed"))
    answer = call_with_fallback(plan, refs, config, args, progress, state)
    result_context["task_id"] = state.get("task_id")
    result = image_results.finish(answer, result_context, progress)
    report(result, progress)
    if args.print_response:
        result["response"] = answer
    return result


def resume(args, progress, state):
    task_id = args.task_id.strip()
    if not task_id or not all(c.isalnum() or c in "-_" for c in task_id):
        raise errors.UsageError("--task-id %r is not a task id (letters, digits and '-')" % args.task_id)
    if args.model and args.model not in models.MODELS:
        raise errors.UsageError("--model %s is not supported; use one of %s"
                                % (args.model, ", ".join(models.MODELS)))
    check_output(args)
    config = qconfig.load_config()
    gossamer.signal_updates(__file__)
    warn_config(config, progress)
    state.update(task_id=task_id, resume=resume_command(task_id, args))
    answer = wait_task(config, task_id, args, progress, state)
    result = image_results.finish(answer, context(args, args.model, None, None, task_id), progress)
    report(result, progress)
    if args.print_response:
        result["response"] = answer
    return result


def context(args, model, size, seed, task_id=None):
    return {"model": model, "output": args.output, "size": size, "seed": seed, "task_id": task_id,
            "default_dir": output.default_output_dir(SKILL)}


def check_output(args):
    folder = image_results.output_folder(args.output, output.default_output_dir(SKILL))
    output.check_output_target(folder, SKILLS_ROOT)
    output.check_writable(folder)


def warn_config(config, progress):
    for line in config.warnings:
        progress.warn(line)
    if config.key_kind == "plan":
        progress.warn("the key looks like a plan key (sk-sp-, Token Plan or Coding Plan); the image APIs "
                      "need a standard sk- key (see qianwen-ops-auth references/tokenplan.md); trying anyway")


def upload_locals(plan, config, progress):
    """Upload local reference images (streamed); URLs pass through untouched."""
    refs = list(plan["fields"]["reference_images"])
    locals_ = image_request.local_refs(plan)
    if locals_:
        from qianwen_common import upload

        for index, path in locals_:
            refs[index] = upload.upload(config, path, plan["model"], progress)
    return refs


def request_headers(route, refs):
    headers = dict(ASYNC_HEADER) if route[0] != models.MULTIMODAL else {}
    if image_request.needs_resolve(refs):
        headers["X-DashScope-OssResourceResolve"] = "enable"
    return headers


def call_with_fallback(plan, refs, config, args, progress, state):
    """Call the plan's route; on a 'wrong endpoint or call style' refusal try the other route once."""
    try:
        return call(plan, plan["route"], refs, config, args, progress, state)
    except errors.ApiError as exc:
        other = image_request.other_route(plan)
        message = str(exc).lower()
        if other is None or state.get("task_id") or not (exc.status and 400 <= exc.status < 500) \
                or not any(word in message for word in WRONG_ROUTE_WORDS):
            raise
        progress.warn("%s refused this call style (%s); nothing was billed; trying the other documented "
                      "route once: %s" % (plan["route"][0], exc, other[0]))
        return call(plan, other, refs, config, args, progress, state)


def call(plan, route, refs, config, args, progress, state):
    body = image_request.build_body(plan, route, refs)
    headers = request_headers(route, refs)
    progress("%s %s (%s)" % (plan["model"], "sync" if route[0] == models.MULTIMODAL else "async task",
                             route[0]))
    if route[0] == models.MULTIMODAL:
        state["sent"] = True
        try:
            return http.request_json("POST", config.api_base + route[0], body, headers,
                                     api_key=config.api_key, timeout=SYNC_TIMEOUT, policy=http.CREATE,
                                     notify=progress)
        except errors.SubmissionUnknown as exc:
            raise errors.SubmissionUnknown("%s. The image call may have been billed: do not re-send it "
                                           "blindly; check the console usage first" % exc) from None
    from qianwen_common import tasks

    state["sent"] = True
    try:
        task_id, _ = tasks.submit(config, route[0], body, headers, notify=progress)
    except errors.SubmissionUnknown as exc:
        raise errors.SubmissionUnknown("%s. A task may have been created and billed" % exc) from None
    state.update(task_id=task_id, resume=resume_command(task_id, args, plan["model"]))
    sys.stderr.write("task_id: %s\n" % task_id)
    progress("resume if interrupted: %s" % state["resume"])
    return wait_task(config, task_id, args, progress, state)


def wait_task(config, task_id, args, progress, state):
    from qianwen_common import tasks

    answer = tasks.wait(config, task_id, state["resume"], timeout=args.timeout, interval=args.poll_interval,
                        notify=progress)
    status = tasks.status_of(answer)
    if status != "SUCCEEDED":
        out = answer.get("output") or {}
        detail = " - ".join(str(v) for v in (out.get("code"), out.get("message")) if v)
        hint = "the id is unknown or older than 24 h" if status == "UNKNOWN" else "not re-sent automatically"
        raise errors.ApiError("task %s %s%s (%s)" % (task_id, status, ": " + detail if detail else "", hint),
                              code=out.get("code"))
    return answer


def resume_command(task_id, args, model=None):
    command = "%s --task-id %s" % (output.python_command(__file__), task_id)
    if model or args.model:
        command += " --model %s" % (model or args.model)
    if args.output:
        import shlex

        command += " --output %s" % shlex.quote(os.path.abspath(args.output))
    return command + " --print-response"


def dry_run(plan, config):
    """What would be sent: endpoint, headers (key masked), body with local files marked."""
    refs = ["<local file %s, uploaded to oss:// on a real run>" % os.path.abspath(r)
            if i in dict(image_request.local_refs(plan)) else r
            for i, r in enumerate(plan["fields"]["reference_images"])]
    route = plan["route"]
    headers = {"Authorization": "Bearer %s" % (mask(config.api_key) if config.api_key else "<missing key>"),
               "Content-Type": "application/json"}
    headers.update(request_headers(route, refs))
    if image_request.local_refs(plan):
        headers["X-DashScope-OssResourceResolve"] = "enable"  # upload.RESOLVE_HEADER
    is_async = route[0] != models.MULTIMODAL
    return {"dry_run": True, "model": plan["model"], "mode": plan["mode"], "async": is_async,
            "method": "POST", "url": config.api_base + route[0], "headers": headers,
            "body": image_request.build_body(plan, route, refs),
            "poll": "GET %s/tasks/<task_id>" % config.api_base if is_async else None,
            "uploads": [os.path.abspath(p) for _i, p in image_request.local_refs(plan)]}


def report(result, progress):
    dims = "%sx%s" % (result["width"], result["height"]) if result["width"] else "size not reported"
    progress("done: %d image(s), %s, seed %s" % (result["image_count"], dims, result["seed"]))


if __name__ == "__main__":
    raise SystemExit(main())
