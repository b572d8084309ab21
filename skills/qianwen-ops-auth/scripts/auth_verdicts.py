"""What a key's shape and the probe's answer mean, and what the user does next (data, not logic)."""

CONSOLE = "https://platform.qianwenai.com/home"
KEYS_PAGE = "https://platform.qianwenai.com/home/api-keys"

KIND_NOTES = {
    "standard": "standard pay-as-you-go key (sk-): the kind the image, video and upload APIs need",
    "plan": ("plan key (sk-sp-): a Token Plan or a Coding Plan key (the prefix does not tell which). The "
             "scripts send it to the Token Plan host of the region (token-plan.cn-beijing.maas.aliyuncs.com, "
             "international token-plan.ap-southeast-1.maas.aliyuncs.com): a Token Plan key generates images "
             "and video there for the models in the plan (local images go inline, local video or audio needs "
             "a public URL, no batches); a Coding Plan key cannot generate media at all"),
    "unknown": ("unrecognised shape: keys start with sk-; check that the whole key was copied, "
                "without quotes, spaces or a line break"),
    "missing": "no key found in the environment or in a .env file",
}

STEPS_401 = [
    "1. Tell the user the key was rejected (HTTP 401) and ask: was it created at " + CONSOLE
    + " (then open it there and check that it is enabled and from this region), or may it be "
      "invalid (then create a new key at " + KEYS_PAGE + ")?",
    "2. Act on the answer: the user puts the corrected or new key into .env as "
    "DASHSCOPE_API_KEY=... in an editor (never paste a key into the chat).",
    "3. Run this check again.",
    "4. Still HTTP 401: the key is invalid; create a new one at " + KEYS_PAGE + ".",
]
REGION_HINT = ("A key only works in its own region: a Singapore (international) key needs "
               "QWEN_REGION=ap-southeast-1; a Beijing key the default cn-beijing. QWEN_BASE_URL, when set, "
               "overrides the region (unset it, or point it at the key's region).")
NETWORK_STEPS = [
    "Behind a proxy: export HTTPS_PROXY=http://<proxy-host>:<port> and run the check again.",
    "On SSL: CERTIFICATE_VERIFY_FAILED: install the system certificates (macOS: run "
    "'Install Certificates.command' of your Python) or export SSL_CERT_FILE=/path/to/ca-bundle.pem.",
    "Check that QWEN_BASE_URL (if set) is right, then run the check again in a minute.",
]

# verdict name -> (exit code, summary, next steps)
VERDICTS = {
    "valid": (0, "the key works on this endpoint", ["Nothing to do: the image and video scripts "
                                                    "will use the same key."]),
    "throttled": (0, "the key is valid, but the account is rate-limited or out of quota (HTTP 429)",
                  ["Wait a minute and retry; if it persists, check the quota and usage in " + CONSOLE
                   + "."]),
    "invalid": (1, "the key was rejected (HTTP 401)", STEPS_401 + [REGION_HINT]),
    "plan_key": (1, "the Token Plan host rejected this plan key (HTTP 401): it is a Coding Plan key (no image or "
                    "video models), or a Token Plan key that expired or belongs to the other site", [
        "Coding Plan key: image and video need a Token Plan key or a pay-as-you-go sk- key from " + KEYS_PAGE
        + " (put it into .env as DASHSCOPE_API_KEY).",
        "Token Plan key of the international site: set QWEN_REGION=ap-southeast-1 and run the check again.",
        "Token Plan subscription expired: renew it in " + CONSOLE + "; see references/tokenplan.md."]),
    "token_plan": (0, "the Token Plan host accepted this plan key: it is a Token Plan key", [
        "Image and video calls go to the Token Plan host for the models in your plan (interactive use only: "
        "no batches); see references/tokenplan.md."]),
    "forbidden": (1, "the key is recognised but not allowed to call the probe model (HTTP 403)", [
        "The model may not be activated for this account or workspace: check " + CONSOLE + ".",
        "A workspace or region mismatch can also get 403: check QWEN_REGION and QWEN_WORKSPACE_ID."]),
    "overdue": (1, "the key is valid but the account is overdue (Arrearage)", [
        "Settle the account balance in " + CONSOLE + ", then run the check again."]),
    "not_offered": (1, "the probe model is not offered on this host (HTTP 404); the key is unproven", [
        "Check QWEN_REGION and QWEN_BASE_URL: the endpoint must be a DashScope host.", REGION_HINT]),
    "rejected": (1, "the service refused the probe", [
        "Read the HTTP status and code above; run the check again, and if it repeats, check " + CONSOLE
        + "."]),
    "server_error": (1, "the service failed (HTTP 5xx); the key is unproven", [
        "Retry in a minute; a proxy or TLS-inspecting gateway in between can also answer 5xx."]
        + NETWORK_STEPS[:2]),
    "unreachable": (1, "the endpoint could not be reached; the key is unproven", NETWORK_STEPS),
    "unexpected": (1, "the endpoint answered, but not like a chat completion; the key is unproven", [
        "Check QWEN_BASE_URL: it must be the service root, e.g. https://dashscope.aliyuncs.com."]),
    "missing_key": (2, "no API key is configured", [
        "Add the placeholder line to .env: echo 'DASHSCOPE_API_KEY=sk-your-key-here' >> .env, "
        "then the user replaces the placeholder with a key from " + KEYS_PAGE + " in an editor.",
        "Or in the shell: export DASHSCOPE_API_KEY='sk-...' (never ask the user to paste the key).",
        "Keep .env out of git: add .env, .env.local and *.env to .gitignore."]),
}


def verdict_name(kind, probe):
    """The verdict for a probe result {'http_status', 'error_code', 'has_content', 'error'}."""
    status, code = probe.get("http_status"), (probe.get("error_code") or "")
    if status is None:
        return "unreachable"
    if kind == "plan":
        # Any answer but 401 means the plan host knew the key (a probe model outside the plan gets 404/403).
        if status == 401:
            return "plan_key"
        if status in (200, 403, 404):
            return "token_plan"
    if status == 200:
        return "valid" if probe.get("has_content") else "unexpected"
    if status == 401:
        return "invalid"
    if status == 403:
        return "forbidden"
    if status == 429:
        return "throttled"
    if "arrearage" in code.lower():
        return "overdue"
    if status == 404:
        return "not_offered"
    if status >= 500:
        return "server_error"
    return "rejected"


def verdict(kind, probe):
    """(name, exit code, summary, next steps) for this key kind and probe result."""
    name = verdict_name(kind, probe)
    code, summary, steps = VERDICTS[name]
    steps = list(steps)
    if name == "valid" and kind == "unknown":
        steps.append("The key has an unusual shape but works here.")
    return name, code, summary, steps
