"""Uploads to the user's own OSS bucket (QWEN_TMP_OSS_*): the SDK is imported only here."""

import datetime
import os
import uuid

from .errors import ApiError, UsageError
from .upload import public_form, remember_presigned

SDK_HINT = ("the own-bucket upload (QWEN_TMP_OSS_BUCKET) needs the OSS SDK: "
            "ImportError: run pip install alibabacloud-oss-v2 (or oss2), or unset QWEN_TMP_OSS_BUCKET")


def upload_to_bucket(bucket, path, notify=None):
    """Put path into the bucket and return a presigned GET URL (a secret: never printed whole)."""
    if not bucket.access_key_id or not bucket.access_key_secret:
        raise UsageError("QWEN_TMP_OSS_BUCKET is set but no access key: set QWEN_TMP_OSS_AK_ID and "
                         "QWEN_TMP_OSS_AK_SECRET (or OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET) in .env")
    key = "%s%s/%s" % (bucket.prefix, uuid.uuid4().hex[:12], os.path.basename(path))
    try:
        import alibabacloud_oss_v2  # noqa: F401
    except ImportError:
        url = _upload_oss2(bucket, path, key)
    else:
        url = _upload_v2(bucket, path, key)
    remember_presigned(url)
    if notify:
        notify("uploaded %s -> %s (own bucket, link valid %d s)"
               % (os.path.basename(path), public_form(url), bucket.url_expires))
    return url


def _upload_v2(bucket, path, key):
    import alibabacloud_oss_v2 as oss

    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(
        bucket.access_key_id, bucket.access_key_secret)
    cfg.region = bucket.region
    if bucket.endpoint:
        cfg.endpoint = bucket.endpoint
        if bucket.endpoint.startswith("http://"):
            cfg.disable_ssl = True
        if _is_ip_endpoint(bucket.endpoint):
            cfg.use_path_style = True
    client = oss.Client(cfg)
    try:
        client.put_object_from_file(oss.PutObjectRequest(bucket=bucket.bucket, key=key), path)
        signed = client.presign(oss.GetObjectRequest(bucket=bucket.bucket, key=key),
                                expires=datetime.timedelta(seconds=bucket.url_expires))
    except Exception as exc:  # the SDK raises its own types; report one line
        raise ApiError("own-bucket upload failed: %s" % _first_line(exc)) from None
    return signed.url


def _upload_oss2(bucket, path, key):
    try:
        import oss2
    except ImportError:
        raise UsageError(SDK_HINT) from None
    endpoint = bucket.endpoint or "https://oss-%s.aliyuncs.com" % bucket.region
    auth = oss2.Auth(bucket.access_key_id, bucket.access_key_secret)
    client = oss2.Bucket(auth, endpoint, bucket.bucket)
    try:
        client.put_object_from_file(key, path)
        return client.sign_url("GET", key, bucket.url_expires, slash_safe=True)
    except Exception as exc:
        raise ApiError("own-bucket upload failed: %s" % _first_line(exc)) from None


def _is_ip_endpoint(endpoint):
    host = endpoint.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    return host == "localhost" or host.replace(".", "").isdigit()


def _first_line(exc):
    text = str(exc).strip().splitlines()
    return "%s: %s" % (type(exc).__name__, text[0] if text else "")
