"""One masking function for every text that can reach a user or a file."""

import re

_SECRETS = set()
_KEY_SHAPE = re.compile(r"(?<![A-Za-z0-9])sk-[A-Za-z0-9_\-]{6,}")
_MASK = "***"
# The documented .env placeholder is not a key; masking it would break the missing-key advice.
_PLACEHOLDER = "sk-your-key-here"


def register_secret(value):
    """Remember a secret (a key, an OSS secret, a presigned URL) so mask() removes it."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def mask(text):
    """Return text with every registered secret and anything shaped like an sk- key removed."""
    if not text:
        return text
    text = str(text)
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, _MASK)
    return _KEY_SHAPE.sub(_mask_match, text)


def _mask_match(match):
    return match.group(0) if match.group(0) == _PLACEHOLDER else "sk-" + _MASK


def mask_data(value):
    """Mask every string inside a JSON-like value."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list):
        return [mask_data(item) for item in value]
    if isinstance(value, dict):
        return {key: mask_data(item) for key, item in value.items()}
    return value
