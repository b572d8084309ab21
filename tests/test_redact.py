"""redact: no part of a key or secret survives mask()."""

from qianwen_common import redact


def test_registered_secret_and_key_shapes_are_masked():
    redact.register_secret("sk-registered0000000000")
    text = "echo: sk-registered0000000000 and Bearer sk-otherkey99999999 in task-abcdef"
    masked = redact.mask(text)
    assert "registered0000" not in masked and "otherkey9999" not in masked
    assert "task-abcdef" in masked  # words that merely contain "sk-" stay


def test_mask_data_walks_json():
    data = {"a": ["sk-nested1234567890"], "b": {"c": "plain"}, "n": 3}
    assert redact.mask_data(data) == {"a": ["sk-***"], "b": {"c": "plain"}, "n": 3}


def test_presigned_query_is_a_secret():
    redact.register_secret("x-oss-signature=abcdef123456&x-oss-credential=LTAIxyz")
    url = "https://b.oss.example/k.png?x-oss-signature=abcdef123456&x-oss-credential=LTAIxyz"
    assert redact.mask(url) == "https://b.oss.example/k.png?***"
