"""redact: no part of a key or secret survives mask(); server text stays on one line."""

import copy
from urllib.parse import quote

import pytest
from qianwen_common import redact

# Random-looking values: a real key is 32 hex characters after sk-.
KEY = "sk-3f9a1c7e5b2d4a6c8e0f1a3b5c7d9e1f"
PLAN_KEY = "sk-sp-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"
OSS_SECRET = "Ab9+Zx/Qw3Lm7Kp0Rt5Uv8Ny"  # '+' and '/' as in base64 signatures
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff", "\u00ad"]


@pytest.fixture(autouse=True)
def own_registry(monkeypatch):
    # Secrets registered here must not leak into other tests' output (and theirs not into ours).
    for name in ("_STATE", "_SECRETS"):  # _SECRETS: the old module, for checking these tests fail there
        if hasattr(redact, name):
            monkeypatch.setattr(redact, name, copy.copy(getattr(redact, name)))


def test_registered_secret_and_key_shapes_are_masked():
    redact.register_secret("sk-registered0000000000")
    text = "echo: sk-registered0000000000 and Bearer sk-otherkey99999999 in task-abcdef"
    masked = redact.mask(text)
    assert "registered0000" not in masked and "otherkey9999" not in masked
    assert "task-abcdef" in masked  # words that merely contain "sk-" stay


def test_mask_data_walks_json():
    data = {"a": ["sk-nested1234567890"], "b": {"c": "plain"}, "n": 3}
    assert redact.mask_data(data) == {"a": ["***"], "b": {"c": "plain"}, "n": 3}


def test_presigned_query_is_a_secret():
    redact.register_secret("x-oss-signature=abcdef123456&x-oss-credential=LTAIxyz")
    url = "https://b.oss.example/k.png?x-oss-signature=abcdef123456&x-oss-credential=LTAIxyz"
    assert redact.mask(url) == "https://b.oss.example/k.png?***"


def test_key_is_masked_the_same_way_everywhere():
    assert redact.mask("Authorization: Bearer sk-abcdef1234567890") == "Authorization: Bearer ***"


def test_env_placeholder_stays():
    advice = "echo 'DASHSCOPE_API_KEY=sk-your-key-here' >> .env"
    assert redact.mask(advice) == advice


def test_key_without_its_prefix_is_masked():
    redact.register_secret(KEY)
    redact.register_secret(PLAN_KEY)
    masked = redact.mask("got %s and %s" % (KEY[3:], PLAN_KEY[6:]))
    assert masked == "got *** and ***"


def test_any_twelve_character_run_is_masked():
    redact.register_secret(KEY)
    assert redact.mask("echo [%s]" % KEY[7:19]) == "echo [***]"
    # the maximal run goes, as one mask; the text around it stays
    assert redact.mask("id=%s;next" % KEY[4:30]) == "id=***;next"


def test_percent_encoded_secret_is_masked():
    redact.register_secret(OSS_SECRET)
    encoded = quote(OSS_SECRET, safe="")
    assert "%2B" in encoded and "%2F" in encoded
    assert redact.mask("sig=%s&x=1" % encoded) == "sig=***&x=1"
    assert redact.mask("sig=%s&x=1" % encoded.lower()) == "sig=***&x=1"
    assert redact.mask("part %s end" % quote(OSS_SECRET[2:16], safe="")) == "part *** end"
    assert redact.mask("twice %s end" % quote(encoded, safe="")) == "twice *** end"  # %252B


def test_secret_registered_encoded_is_masked_decoded():
    query = ("x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-date=20250101T000000Z&x-oss-expires=86400"
             "&x-oss-signature=" + quote(OSS_SECRET, safe=""))
    redact.register_secret(query)
    assert redact.mask("server saw signature %s." % OSS_SECRET) == "server saw signature ***."


@pytest.mark.parametrize("mark", INVISIBLE, ids=["%04x" % ord(c) for c in INVISIBLE])
def test_invisible_characters_do_not_hide_a_secret(mark):
    redact.register_secret(KEY)
    hidden = mark.join(KEY[i:i + 5] for i in range(0, len(KEY), 5))
    masked = redact.mask("echo %s end" % hidden)
    assert masked.startswith("echo ") and masked.endswith(" end")
    assert "***" in masked and not any(KEY[i:i + 5] in masked for i in range(3, len(KEY), 5))


def test_case_does_not_hide_a_secret():
    redact.register_secret(OSS_SECRET)
    assert redact.mask("A " + OSS_SECRET.upper()) == "A ***"
    assert redact.mask("a " + OSS_SECRET.lower()) == "a ***"
    assert redact.mask("unregistered SK-ABCDEF1234567890") == "unregistered ***"


def test_presigned_credential_and_other_params_are_treated_apart():
    redact.register_secret("x-oss-credential=LTAI5tQw3Lm7Kp0Rt5%2F20250101%2Fcn-beijing%2Foss%2Faliyun_v4_request"
                           "&x-oss-signature=9f8e7d6c5b4a39281706f5e4d3c2b1a0")
    assert redact.mask("id LTAI5tQw3Lm7Kp0Rt5 used") == "id *** used"
    other = ("https://out.oss.example/r.png?x-oss-credential=LTAIotherid%2F20250101%2Fcn-beijing%2Foss"
             "%2Faliyun_v4_request&x-oss-signature=0123456789abcdef")
    assert redact.mask(other) == other  # a result URL from the server keeps its own query


def test_secret_split_by_a_newline_is_masked():
    redact.register_secret(OSS_SECRET)
    text = "bad %s\n%s here" % (OSS_SECRET[:10], OSS_SECRET[10:])
    assert redact.mask_line(text) == "bad *** here"
    assert redact.mask(redact.one_line(text)) == "bad *** here"  # escaping first cannot hide it either


def test_no_false_positives_on_normal_text_and_urls():
    redact.register_secret(KEY)
    redact.register_secret("sk-test0000000000000000000000000000")
    redact.register_secret("x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-expires=86400"
                           "&x-oss-signature=9f8e7d6c5b4a39281706f5e4d3c2b1a0")
    texts = [
        "HTTP 400 InvalidParameter - the size 1024*1024 is not supported (request_id 7a1b-22)",
        "task-abcdef FAILED: the prompt was rejected; disk-array0001 and sk-learn are words",
        "https://dashscope-result.oss-cn-beijing.aliyuncs.com/a/b.png?Expires=1735689600"
        "&OSSAccessKeyId=LTAIresult000&Signature=Zm9vYmFyYmF6cXV4%2B%2F",
        "https://c.example/x?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-expires=86400",
        "request 00000000-0000-0000-0000-000000000000 at 2025-01-01T00:00:00Z, 100% done",
        "%s is 11 chars of the key" % KEY[5:16],
    ]
    for text in texts:
        assert redact.mask(text) == text


def test_short_secret_is_masked_only_whole():
    redact.register_secret("Qz7w")
    assert redact.mask("Qz7wabc and abcQz7w stay") == "Qz7wabc and abcQz7w stay"
    assert redact.mask("key=Qz7w&x=1") == "key=***&x=1"
    redact.register_secret("abc")  # too short to be told from text: ignored
    assert redact.mask("abc") == "abc"


def test_one_line_escapes_newlines_and_controls():
    forged = "boom\r\ntask_id: evil\rresume: rm -rf ~\u2028x\u2029y\x85z"
    assert redact.one_line(forged) == "boom\\ntask_id: evil\\nresume: rm -rf ~\\nx\\ny\\nz"
    assert redact.one_line("a\tb\x1b[2Jc\x00d\x7fe\x9bf") == "a b\\x1b[2Jc\\x00d\\x7fe\\x9bf"
    assert redact.one_line("left\u202eright\u200b") == "left\\u202eright\\u200b"
    assert redact.one_line(None) == "" and redact.one_line("plain text") == "plain text"


def test_one_line_limit_cuts_with_dots():
    assert redact.one_line("abcdefghij", limit=8) == "abcde..."
    assert redact.one_line("abcdefgh", limit=8) == "abcdefgh"
    assert redact.one_line("abcd\x1bxyz", limit=9) == "abcd..."  # never half an escape


def test_mask_line_masks_then_escapes():
    line = redact.mask_line("HTTP 401 - key sk-abcdef1234567890 bad\nresume: x", limit=200)
    assert line == "HTTP 401 - key *** bad\\nresume: x"
