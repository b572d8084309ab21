"""Output channels: progress on stderr, one JSON object on stdout, the output folder."""

import json
import os
import sys

from .errors import QianwenError, StillRunning, UsageError
from .redact import mask, mask_data


class Progress:
    """Human progress lines on stderr, masked; --quiet keeps only warnings and errors."""

    def __init__(self, quiet=False, stream=None):
        self.quiet = quiet
        self.stream = stream or sys.stderr

    def __call__(self, line):
        if not self.quiet:
            self._write(line)

    def warn(self, line):
        self._write("warning: " + line)

    def _write(self, line):
        try:
            self.stream.write(mask(line).replace("\n", " ") + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            pass


def emit(answer):
    """Print the machine answer: one JSON object on stdout, secrets masked."""
    sys.stdout.write(json.dumps(mask_data(answer), ensure_ascii=False) + "\n")
    sys.stdout.flush()


def fail(error):
    """Turn an exception into its stderr line(s) and exit code."""
    if isinstance(error, StillRunning):
        sys.stderr.write("%s\ntask_id: %s\nresume: %s\n" % (mask(str(error)), error.task_id, error.resume))
        return error.exit_code
    if isinstance(error, QianwenError):
        sys.stderr.write("error: %s\n" % mask(str(error)))
        return error.exit_code
    sys.stderr.write("error: %s: %s\n" % (type(error).__name__, mask(str(error))))
    return 1


def default_output_dir(skill_name, cwd=None):
    """./output/<skill-name>/ under the working directory."""
    return os.path.join(os.path.abspath(cwd or os.getcwd()), "output", skill_name)


def check_output_target(path, skills_root):
    """Refuse a target inside the skills tree; returns the absolute path."""
    target = os.path.realpath(os.path.abspath(path))
    root = os.path.realpath(skills_root)
    if target == root or target.startswith(root + os.sep):
        raise UsageError("output %s is inside the skills folder %s; run from your project folder "
                         "or pass --output elsewhere" % (path, skills_root))
    return os.path.abspath(path)


def check_writable(folder):
    """UsageError (before anything is paid) when folder cannot be created or written."""
    probe = folder
    while not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    if not os.path.isdir(probe) or not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError("PermissionError: cannot write to %s; pass --output with a writable folder"
                         % folder)


def read_request(text=None, path=None):
    """The request JSON from --request or --file, as a dict; UsageError when it is not one."""
    if path is not None:
        if not os.path.isfile(path):
            raise UsageError("--file %s: not a readable file" % path)
        try:
            with open(path, "r", encoding="utf-8-sig") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError("--file %s: cannot read (%s)" % (path, type(exc).__name__)) from None
    try:
        value = json.loads(text)
    except ValueError as exc:
        source = "--request" if path is None else "--file %s" % path  # name the flag actually given
        raise UsageError("%s is not valid JSON (%s); example: --request '{\"prompt\": \"a cat\"}'"
                         % (source, exc)) from None
    if not isinstance(value, dict):
        raise UsageError("the request must be a JSON object like {\"prompt\": \"...\"}")
    return value


def python_command(script):
    """How to run a script again: python3 and its absolute path, quoted for a shell."""
    import shlex
    return "python3 %s" % shlex.quote(os.path.abspath(script))
