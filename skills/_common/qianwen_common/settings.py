"""The only reader of the process environment and of .env files: one merged view, read once.

Chain, first match wins, by source: the process environment, then `.env` in the current folder, then
`.env` at the project root (the nearest folder at or above the current one holding `.agents`, `.git`
or `skills/`; the same rule finds `.agents/state.json`). A .env never overrides a variable already set.
Nothing here writes to os.environ.
"""

import os
import re

from .records import dataclass, field

ROOT_MARKS = (".agents", ".git", "skills")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_EXPORT = re.compile(r"export[ \t]+")
_CACHE = {}


@dataclass(frozen=True)
class Settings:
    """Every variable the scripts read, where each came from, and notes about skipped .env lines."""

    values: dict = field(repr=False)
    sources: dict = field(default_factory=dict)     # name -> "environment" or a .env path
    lines: dict = field(default_factory=dict)       # name -> line number in its .env file
    files: tuple = ()                               # the .env files read, nearest first
    warnings: tuple = ()
    root: str = None                                # the project root, or None

    def get(self, name, default=""):
        return self.values.get(name, default)

    def where(self, name):
        """'environment', or 'PATH line N' for a value from a .env file."""
        source = self.sources.get(name)
        if source and source != "environment" and name in self.lines:
            return "%s line %d" % (source, self.lines[name])
        return source or "unset"

    def first(self, names):
        """(name, value) of the first non-empty variable, by source: environment, cwd .env, root .env."""
        for source in ("environment",) + self.files:
            for name in names:
                if self.sources.get(name) == source and self.values.get(name, "").strip():
                    return name, self.values[name]
        return None, ""


def project_root(start=None):
    """The nearest folder at or above start holding .agents, .git or skills/, else None."""
    path = os.path.abspath(start or os.getcwd())
    while True:
        if any(os.path.exists(os.path.join(path, mark)) for mark in ROOT_MARKS):
            return path
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


def load(cwd=None, environ=None):
    """The merged settings for cwd (cached for the process when reading the real environment)."""
    cwd = os.path.abspath(cwd or os.getcwd())
    if environ is None and cwd in _CACHE:
        return _CACHE[cwd]
    env = dict(os.environ if environ is None else environ)
    values, sources, lines, warnings = dict(env), {name: "environment" for name in env}, {}, []
    root = project_root(cwd)
    files = env_files(cwd, root)
    for path in files:
        parsed, skipped = parse_env_file(path)
        warnings.extend(skipped)
        for name, (value, number) in parsed.items():
            if name not in values or values[name].strip() == "":
                values[name], sources[name], lines[name] = value, path, number
    result = Settings(values=values, sources=sources, lines=lines, files=tuple(files),
                      warnings=tuple(warnings), root=root)
    if environ is None:
        _CACHE[cwd] = result
    return result


def env_files(cwd, root):
    """The .env files of the chain, nearest first, without repeats."""
    candidates = [os.path.join(cwd, ".env")] + ([os.path.join(root, ".env")] if root else [])
    seen, found = set(), []
    for path in candidates:
        real = os.path.realpath(path)
        if real not in seen and os.path.isfile(path):
            seen.add(real)
            found.append(path)
    return found


def parse_env_file(path):
    """{name: (value, line number)} and warnings (line numbers, never values), read as bash would."""
    try:
        with open(path, "r", encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        return {}, ["%s: cannot read (%s); skipped" % (path, type(exc).__name__)]
    values, warnings, number = {}, [], 0
    lines = text.replace("\r\n", "\n").split("\n")
    while number < len(lines):
        start = number + 1
        line = lines[number].strip()
        number += 1
        if not line or line.startswith("#"):
            continue
        # A quoted value may go on over several lines, as in bash; join until the quote closes.
        joined, end = line, number
        while _open_quote(joined) and end < len(lines):
            joined += "\n" + lines[end]
            end += 1
        if not _open_quote(joined):
            line, number = joined, end
        parsed = parse_env_line(line)  # a quote that never closes: this line alone is skipped
        if parsed is None:
            warnings.append("%s line %d: not NAME=value; skipped" % (path, start))
        elif parsed[0] not in values:
            values[parsed[0]] = (parsed[1], start)
    return values, warnings


def _open_quote(line):
    _name, sep, rest = line.partition("=")
    rest = rest.strip()
    if not sep or rest[:1] not in ("'", '"'):
        return False
    return _closing(rest, rest[0]) < 0


def _closing(rest, quote):
    index = 1
    while index < len(rest):
        if quote == '"' and rest[index] == "\\":
            index += 2
            continue
        if rest[index] == quote:
            return index
        index += 1
    return -1


def parse_env_line(line):
    """(name, value) of one NAME=value line (export prefix and quotes as bash reads them), else None."""
    match = _EXPORT.match(line)
    if match:
        line = line[match.end():]
    name, sep, rest = line.partition("=")
    if not sep or not _NAME.match(name):
        return None
    rest = rest.strip()
    if rest[:1] in ("'", '"'):
        quote = rest[0]
        end = _closing(rest, quote)
        tail = rest[end + 1:].strip() if end > 0 else ""
        if end < 0 or (tail and not tail.startswith("#")):
            return None
        value = rest[1:end]
        if quote == '"':  # bash: a backslash escapes only $ ` " \ inside double quotes
            value = re.sub(r'\\([$`"\\])', r"\1", value)
        return name, value
    return name, re.split(r"\s+#", rest, maxsplit=1)[0].strip()
