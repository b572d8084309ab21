"""Configuration: the API key chain, the host for this key and region, own bucket, HTTP settings.

Hosts: "Base URL" overview and "Regions and workspaces" pages of Model Studio; Token Plan hosts from
the "Token Plan integration overview" page (see dashscope-api-addendum.md A3, A4).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from . import settings as qsettings
from .errors import UsageError
from .plan import Target
from .records import dataclass, field
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
# These regions have only per-workspace hosts (Regions and workspaces page).
WORKSPACE_ONLY_REGIONS = ("eu-central-1", "ap-northeast-1")
# Token Plan is offered on the China site (cn-beijing) and the international site (ap-southeast-1).
TOKEN_PLAN_HOSTS = {"cn-beijing": "https://token-plan.cn-beijing.maas.aliyuncs.com",
                    "ap-southeast-1": "https://token-plan.ap-southeast-1.maas.aliyuncs.com"}
DEFAULT_REGION = "cn-beijing"
PLAN_HOST_MARKS = ("token-plan.", "coding.dashscope", "coding-intl.dashscope")
SECRET_VARIABLES = KEY_VARIABLES + ("QWEN_TMP_OSS_AK_ID", "QWEN_TMP_OSS_AK_SECRET", "OSS_ACCESS_KEY_ID",
                                    "OSS_ACCESS_KEY_SECRET")
_WORKSPACE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,62}$")
_PRINTABLE_ASCII = re.compile(r"[\x21-\x7e]+$")


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
    """Everything a script needs to reach the service, read once from the settings."""

    api_key: str = field(repr=False)
    key_source: str
    key_kind: str                  # standard | plan | unknown | missing
    region: str
    base_url: str                  # the root every call of this run goes to
    base_source: str = "default"   # the setting that chose base_url
    upload_fallback: str = None    # the region's shared host, for getPolicy when a workspace host refuses it
    oss: object = None
    http_timeout: float = None     # QWEN_HTTP_TIMEOUT: replaces every read timeout
    proxies: dict = field(default_factory=dict)
    no_proxy: str = ""
    ca_file: str = None
    ca_dir: str = None
    warnings: tuple = ()

    @property
    def api_base(self):
        return self.base_url + "/api/v1"

    @property
    def compat_base(self):
        return self.base_url + "/compatible-mode/v1"

    @property
    def token_plan(self):
        return self.key_kind == "plan"

    @property
    def international(self):
        """True on hosts outside mainland China, where some model ids differ."""
        host = urlsplit(self.base_url).hostname or ""
        if host.endswith("aliyuncs.com"):
            return "dashscope.aliyuncs.com" != host and "cn-beijing" not in host
        return self.region != DEFAULT_REGION

    @property
    def target(self):
        return Target(international=self.international, token_plan=self.token_plan)


def key_kind(key):
    """Classify a key by its prefix: 'plan' (sk-sp-), 'standard' (sk-) or 'unknown'."""
    if key.startswith("sk-sp-"):
        return "plan"
    if key.startswith("sk-"):
        return "standard"
    return "unknown"


def check_secret(values, name):
    """A secret with whitespace, control or non-ASCII characters is refused, naming where it came from."""
    value = values.get(name, "")
    if value and not _PRINTABLE_ASCII.match(value):
        raise UsageError("%s (%s) holds a space, line break, control or non-ASCII character; keys are one "
                         "line of plain ASCII: fix that line (the value is not shown)" % (name, values.where(name)))


def load_config(require_key=True, cwd=None, environ=None):
    """Build the Config from the settings; UsageError on bad settings."""
    values = qsettings.load(cwd, environ)
    warnings = list(values.warnings)
    name, raw_key = values.first(KEY_VARIABLES)
    key = raw_key.strip()
    if not key and require_key:
        # A skipped .env line is the likeliest reason the key is missing: say which (by line, never value).
        raise UsageError(MISSING_KEY + "".join(" [%s]" % line for line in warnings))
    if key:
        register_secret(key)
        check_secret(values, name)
    kind = key_kind(key) if key else "missing"
    region = values.get("QWEN_REGION").strip() or DEFAULT_REGION
    base_url, base_source, fallback = choose_host(values, region, kind, warnings)
    return Config(api_key=key, key_source="%s (%s)" % (name, values.where(name)) if key else None,
                  key_kind=kind, region=region, base_url=base_url, base_source=base_source,
                  upload_fallback=fallback, oss=load_oss(values), http_timeout=http_timeout(values),
                  proxies=_proxies(values), no_proxy=values.get("NO_PROXY") or values.get("no_proxy"),
                  ca_file=values.get("SSL_CERT_FILE").strip() or None,
                  ca_dir=values.get("SSL_CERT_DIR").strip() or None, warnings=tuple(warnings))


def choose_host(values, region, kind, warnings):
    """(base URL, the setting that chose it, upload fallback host) for this key kind and region."""
    base = values.get("QWEN_BASE_URL").strip()
    if kind == "plan":
        if base:
            warnings.append("QWEN_BASE_URL is not used with a plan key (sk-sp-); calls go to the Token Plan "
                            "host (set QWEN_TOKEN_PLAN_BASE_URL to change it)")
        plan_base = values.get("QWEN_TOKEN_PLAN_BASE_URL").strip()
        if plan_base:
            return service_root(plan_base, "QWEN_TOKEN_PLAN_BASE_URL"), "QWEN_TOKEN_PLAN_BASE_URL", None
        if region not in TOKEN_PLAN_HOSTS:
            raise UsageError("QWEN_REGION=%s: Token Plan keys (sk-sp-) work on cn-beijing or ap-southeast-1 only"
                             % region)
        return TOKEN_PLAN_HOSTS[region], "Token Plan host of QWEN_REGION=%s" % region, None
    if base:
        root = service_root(base, "QWEN_BASE_URL")
        if any(mark in root for mark in PLAN_HOST_MARKS):
            warnings.append("QWEN_BASE_URL points at a plan gateway; with a standard key use the DashScope "
                            "host (plan gateways take only plan keys)")
        return root, "QWEN_BASE_URL", None
    workspace = values.get("QWEN_WORKSPACE_ID").strip()
    if workspace:
        return workspace_host(workspace, region, warnings), "QWEN_WORKSPACE_ID", REGION_HOSTS.get(region)
    if region in REGION_HOSTS:
        return REGION_HOSTS[region], "QWEN_REGION" if values.get("QWEN_REGION").strip() else "default", None
    if region in WORKSPACE_ONLY_REGIONS:
        raise UsageError("QWEN_REGION=%s has only workspace hosts: set QWEN_WORKSPACE_ID (the workspace id "
                         "from the console's workspace details page, like llm-xxxx)" % region)
    raise UsageError("QWEN_REGION=%s is not a known region; use one of %s"
                     % (region[:40], ", ".join(list(REGION_HOSTS) + list(WORKSPACE_ONLY_REGIONS))))


def workspace_host(workspace, region, warnings):
    """https://{WorkspaceId}.{region}.maas.aliyuncs.com (Base URL overview page)."""
    if not _WORKSPACE_ID.match(workspace):
        raise UsageError("QWEN_WORKSPACE_ID must be a workspace id like llm-abc123 (letters, digits, '-')")
    if not workspace.startswith("llm-"):
        warnings.append("QWEN_WORKSPACE_ID does not start with llm- as the console's ids do; using it anyway")
    if region not in REGION_HOSTS and region not in WORKSPACE_ONLY_REGIONS and \
            not re.match(r"[a-z]{2}(-[a-z]+)+(-\d+)?$", region):
        raise UsageError("QWEN_REGION=%s is not a region id like cn-beijing" % region[:40])
    return "https://%s.%s.maas.aliyuncs.com" % (workspace.lower(), region)


def service_root(raw, name):
    """The service root from a base URL setting (suffixes stripped); userinfo is refused, never shown."""
    parts = urlsplit(raw)
    if parts.username is not None or parts.password is not None:
        register_secret(parts.netloc.rpartition("@")[0])
        raise UsageError("%s holds a user name or password (user:pass@host); remove them: the key goes in "
                         "DASHSCOPE_API_KEY, never in the URL" % name)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise UsageError("%s is not a service root; expected like https://dashscope.aliyuncs.com or "
                         "http://127.0.0.1:8000" % name)
    try:
        _ = parts.port  # urlsplit checks the port only when asked
    except ValueError:
        raise UsageError("%s has a bad port; expected like http://127.0.0.1:8000" % name) from None
    path = parts.path.rstrip("/")
    for suffix in ("/api/v1", "/compatible-mode/v1"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    return "%s://%s%s" % (parts.scheme, parts.netloc, path)


def http_timeout(values):
    """QWEN_HTTP_TIMEOUT seconds, or None; a bad value is exit 2."""
    raw = values.get("QWEN_HTTP_TIMEOUT").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1
    if not 0 < seconds <= 3600:
        raise UsageError("QWEN_HTTP_TIMEOUT=%s: give seconds between 0 and 3600" % raw[:20])
    return seconds


def _proxies(values):
    found = {}
    for scheme in ("https", "http"):
        url = values.get(scheme.upper() + "_PROXY").strip() or values.get(scheme + "_proxy").strip()
        if url:
            found[scheme] = url
            register_secret(urlsplit(url).password or "")
    return found


def load_oss(values):
    """The own-bucket settings, or None when QWEN_TMP_OSS_BUCKET is unset."""
    bucket = values.get("QWEN_TMP_OSS_BUCKET").strip()
    if not bucket:
        return None
    region = values.get("QWEN_TMP_OSS_REGION").strip()
    if not region:
        raise UsageError("QWEN_TMP_OSS_BUCKET is set but QWEN_TMP_OSS_REGION is not; add "
                         "QWEN_TMP_OSS_REGION=cn-beijing (the bucket's region) to .env")
    id_name = "QWEN_TMP_OSS_AK_ID" if values.get("QWEN_TMP_OSS_AK_ID") else "OSS_ACCESS_KEY_ID"
    secret_name = "QWEN_TMP_OSS_AK_SECRET" if values.get("QWEN_TMP_OSS_AK_SECRET") else "OSS_ACCESS_KEY_SECRET"
    for name in (id_name, secret_name):
        register_secret(values.get(name))
        check_secret(values, name)
    expires = values.get("QWEN_TMP_OSS_URL_EXPIRES").strip() or "86400"
    if not expires.isdigit() or int(expires) <= 0:
        raise UsageError("QWEN_TMP_OSS_URL_EXPIRES must be a positive number of seconds")
    prefix = values.get("QWEN_TMP_OSS_PREFIX").strip() or "qianwen-uploads/"
    return OssBucket(bucket=bucket, region=region, access_key_id=values.get(id_name),
                     access_key_secret=values.get(secret_name),
                     endpoint=values.get("QWEN_TMP_OSS_ENDPOINT").strip(),
                     prefix=prefix.rstrip("/") + "/", url_expires=int(expires))
