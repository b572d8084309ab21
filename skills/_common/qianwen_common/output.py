"""Output channels: progress on stderr (one masked line each), one JSON object on stdout, the output folder."""

from __future__ import annotations

import json
import os
import sys

from .errors import UsageError
from .redact import mask, mask_data, one_line


class Progress:
    """Human progress lines on stderr, masked and one line each; --quiet keeps warnings and errors."""

    def __init__(self, quiet=False, stream=None):
        self.quiet = quiet
        self.stream = stream or sys.stderr

    def __call__(self, line):
        if not self.quiet:
            self._write(line)

    def warn(self, line):
        self._write("warning: " + line)

    def always(self, line):
        """A line that --quiet keeps (the bills: line, the task id)."""
        self._write(line)

    def _write(self, line):
        try:
            self.stream.write(one_line(mask(line)) + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            pass


def emit(answer):
    """Print the machine answer: one JSON object on stdout, secrets masked."""
    sys.stdout.write(json.dumps(mask_data(answer), ensure_ascii=False) + "\n")
    sys.stdout.flush()


def default_output_dir(skill_name, cwd=None):
    """./output/<skill-name>/ under the working directory."""
    return os.path.join(os.path.abspath(cwd or os.getcwd()), "output", skill_name)


def skills_roots(script):
    """The folders holding this skill, as reached and as real (a .claude/skills link resolves elsewhere)."""
    skill_dir = os.path.dirname(os.path.dirname(os.path.abspath(script)))
    return {os.path.realpath(os.path.dirname(skill_dir)), os.path.dirname(os.path.realpath(skill_dir))}


def check_output_target(path, script):
    """Refuse a target inside the skills tree (symlinks resolved); returns the absolute path."""
    target = os.path.realpath(os.path.abspath(path))
    for root in skills_roots(script):
        if target == root or target.startswith(root + os.sep):
            raise UsageError("output %s is inside the installed skills folder %s; run from your project "
                             "folder or pass --output elsewhere" % (one_line(path, 200), root))
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
                         % one_line(folder, 200))
