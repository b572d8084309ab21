"""Configuration: the API key chain, .env files, region and base URL."""

import os
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .errors import UsageError
from .redact import register_secret

KEY_VARIABLES = ("DASHSCOPE_API_KEY", "QIANWEN_API_KEY", "QWEN_API_KEY")
CONSOLE_URL = "https://platform.qianwenai.com/home/api-keys"
MISSING_KEY = (
    "DASHSCOPE_API_KEY not found. Add it to .env in this folder: "
    "echo 'DASHSCOPE_API_KEY=sk-your-key-here' >> .env (then replace the placeholder with a key "
    "from " + CONSOLE_URL + "), or run: export DASHSCOPE_API_KEY='sk-...'"
)
REGION_HOSTS = {
    "cn-beijing": "https://dashscope.aliyuncs.com",
    "ap-southeast-1": "https://dashscope-intl.aliyuncs.com",
    "us-east-1": "https://dashscope-us.aliyuncs.com",
    "cn-hongkong": "https://cn-hongkong.dashscope.aliyuncs.com",
}
# These regions have only per-workspace hosts, so a base URL must name the workspace.
WORKSPACE_ONLY_REGIONS = ("eu-central-1", "ap-northeast-1")
DEFAULT_REGION = "cn-beijing"
PLAN_HOST_MARKS = ("token-plan.", "coding.dashscope", "coding-intl.dashscope")
PASSED_THROUGH = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY",
                  "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class OssBucket:
    """The user's own OSS bucket for uploads (QWEN_TMP_OSS_*)."""

    bucket: str
    region: str
    access_key_id: str = field(repr=False, default="")
    access_key_secret: str = field(repr=False, default="")
    endpoint: str = ""
    prefix: str = "qianwen-uploads/"
    url_expires: int = 86400


@dataclass(frozen=True)
class Config:
    """Everything a script needs to reach the service."""

    api_key: str = field(repr=False)
    key_source: str
    key_kind: str
    region: str
    base_url: str
    oss: object = None
    warnings: tuple = ()

    @property
    def api_base(self):
        return self.base_url + "/api/v1"

    @property
    def compat_base(self):
        return self.base_url + "/compatible-mode/v1"

    @property
    def international(self):
        """True on hosts outside mainland China, where some model ids differ."""
        host = urlsplit(self.base_url).hostname or ""
        if host.endswith("aliyuncs.com"):
            return "dashscope.aliyuncs.com" != host and "cn-beijing" not in host
        return self.region != DEFAULT_REGION


def key_kind(key):
    """Classify a key by its prefix: 'plan' (sk-sp-), 'standard' (sk-) or 'unknown'."""
    if key.startswith("sk-sp-"):
        return "plan"
    if key.startswith("sk-"):
        return "standard"
    return "unknown"


def parse_env_file(path):
    """Read a .env file: returns (values, warnings); warnings name line numbers, never values."""
    values, warnings = {}, []
    try:
        with open(path, "r", encoding="utf-8-sig", newline=None) as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return {}, ["%s: cannot read (%s); skipped" % (path, type(exc).__name__)]
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parsed = _parse_env_line(line)
        if parsed is None:
            warnings.append("%s line %d: not NAME=value; skipped" % (path, number))
        else:
            values.setdefault(parsed[0], parsed[1])
    return values, warnings


def _parse_env_line(line):
    if line.startswith("export "):
        line = line[len("export "):].lstrip()
    name, sep, rest = line.partition("=")
    name = name.strip()
    if not sep or not _NAME.match(name):
        return None
    rest = rest.strip()
    if rest[:1] in ("'", '"'):
        quote = rest[0]
        end = rest.find(quote, 1)
        if end < 0:
            return None
        tail = rest[end + 1:].strip()
        if tail and not tail.startswith("#"):
            return None
        value = rest[1:end]
        if quote == '"':
            value = value.replace("\\n", "\n")
        return name, value
    value = re.split(r"\s+#", rest, maxsplit=1)[0].strip()
    return name, value


def find_project_root(start):
    """The nearest folder at or above start holding .git or skills/, else None."""
    path = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(path, ".git")) or os.path.isdir(os.path.join(path, "skills")):
            return path
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


def env_files(cwd):
    """The .env files of the credential chain, nearest first, without repeats."""
    files = [os.path.join(cwd, ".env")]
    root = find_project_root(cwd)
    if root:
        files.append(os.path.join(root, ".env"))
    seen, result = set(), []
    for path in files:
        real = os.path.realpath(path)
        if real not in seen and os.path.isfile(path):
            seen.add(real)
            result.append(path)
    return result


def merged_settings(cwd=None, environ=None):
    """Environment first, then each .env: returns (values, source per name, warnings)."""
    environ = os.environ if environ is None else environ
    values, sources, warnings = dict(environ), {name: "environment" for name in environ}, []
    for path in env_files(cwd or os.getcwd()):
        file_values, file_warnings = parse_env_file(path)
        warnings.extend(file_warnings)
        for name, value in file_values.items():
            if name not in values or values[name] == "":
                values[name], sources[name] = value, path
    return values, sources, warnings


def load_config(require_key=True, cwd=None, environ=None):
    """Build the Config from the environment and .env files; UsageError on bad settings."""
    values, sources, warnings = merged_settings(cwd, environ)
    for name in PASSED_THROUGH:
        if name in values and sources.get(name) != "environment":
            os.environ.setdefault(name, values[name])
    key, source = "", None
    for name in KEY_VARIABLES:
        candidate = values.get(name, "").strip()
        if candidate:
            key, source = candidate, "%s (%s)" % (name, sources[name])
            break
    if not key and require_key:
        # A skipped .env line is the likeliest reason the key is missing: say which (by line, never value).
        raise UsageError(MISSING_KEY + "".join(" [%s]" % line for line in warnings))
    register_secret(key)
    kind = key_kind(key) if key else "missing"
    region = values.get("QWEN_REGION", "").strip() or DEFAULT_REGION
    base_url = resolve_base_url(values.get("QWEN_BASE_URL", "").strip(), region)
    if any(mark in base_url for mark in PLAN_HOST_MARKS):
        warnings.append("QWEN_BASE_URL points at a plan gateway; image and video need the standard "
                        "DashScope host and a standard sk- key")
    return Config(api_key=key, key_source=source, key_kind=kind, region=region,
                  base_url=base_url, oss=load_oss(values), warnings=tuple(warnings))


def resolve_base_url(raw, region):
    """The service root from QWEN_BASE_URL (suffixes stripped) or from the region."""
    if not raw:
        if region in REGION_HOSTS:
            return REGION_HOSTS[region]
        if region in WORKSPACE_ONLY_REGIONS:
            raise UsageError("QWEN_REGION=%s has only workspace hosts: set QWEN_BASE_URL="
                             "https://<WorkspaceId>.%s.maas.aliyuncs.com" % (region, region))
        raise UsageError("QWEN_REGION=%s is not a known region; use one of %s"
                         % (region, ", ".join(list(REGION_HOSTS) + list(WORKSPACE_ONLY_REGIONS))))
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise UsageError("QWEN_BASE_URL=%s is not a service root; expected like "
                         "https://dashscope.aliyuncs.com or http://127.0.0.1:8000" % raw[:80])
    try:
        _ = parts.port  # urlsplit checks the port only when asked
    except ValueError:
        raise UsageError("QWEN_BASE_URL has a bad port; expected like http://127.0.0.1:8000") from None
    path = parts.path.rstrip("/")
    for suffix in ("/api/v1", "/compatible-mode/v1"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    return "%s://%s%s" % (parts.scheme, parts.netloc, path)


def load_oss(values):
    """The own-bucket settings, or None when QWEN_TMP_OSS_BUCKET is unset."""
    bucket = values.get("QWEN_TMP_OSS_BUCKET", "").strip()
    if not bucket:
        return None
    region = values.get("QWEN_TMP_OSS_REGION", "").strip()
    if not region:
        raise UsageError("QWEN_TMP_OSS_BUCKET is set but QWEN_TMP_OSS_REGION is not; add "
                         "QWEN_TMP_OSS_REGION=cn-beijing (the bucket's region) to .env")
    key_id = values.get("QWEN_TMP_OSS_AK_ID") or values.get("OSS_ACCESS_KEY_ID", "")
    secret = values.get("QWEN_TMP_OSS_AK_SECRET") or values.get("OSS_ACCESS_KEY_SECRET", "")
    register_secret(key_id)
    register_secret(secret)
    expires = values.get("QWEN_TMP_OSS_URL_EXPIRES", "").strip() or "86400"
    if not expires.isdigit() or int(expires) <= 0:
        raise UsageError("QWEN_TMP_OSS_URL_EXPIRES must be a positive number of seconds")
    prefix = values.get("QWEN_TMP_OSS_PREFIX", "").strip() or "qianwen-uploads/"
    return OssBucket(bucket=bucket, region=region, access_key_id=key_id, access_key_secret=secret,
                     endpoint=values.get("QWEN_TMP_OSS_ENDPOINT", "").strip(),
                     prefix=prefix.rstrip("/") + "/", url_expires=int(expires))
