"""The file storage switch (issue 18, item 3): FILE_STORAGE=s3 keeps documents and packets in an
S3 bucket, private and encrypted; anything else stays on local disk."""

import json
import os

import pytest

from coverage_guide.settings import file_storage_from_env
from tests.coverage_guide.test_settings import PRODUCTION_ENV, _import_settings


def _storages(**env) -> dict:
    """STORAGES from importing the settings module afresh with this environment (and none of
    the AWS settings of the process running the tests)."""
    blank = {name: "" for name in os.environ if name.startswith("AWS_")}
    result = _import_settings(
        "import json", "print(json.dumps(s.STORAGES))", **{**PRODUCTION_ENV, **blank, **env}
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _refusal(**env) -> str:
    blank = {name: "" for name in os.environ if name.startswith("AWS_")}
    result = _import_settings(**{**PRODUCTION_ENV, **blank, **env})
    assert result.returncode != 0
    return result.stderr.strip().splitlines()[-1]


WHITENOISE = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}


def test_files_stay_on_local_disk_unless_the_switch_says_s3():
    assert _storages(FILE_STORAGE="") == {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": WHITENOISE,
    }


def test_the_switch_builds_a_private_encrypted_bucket_storage(tmp_path):
    secret = tmp_path / "aws-secret"
    secret.write_text("from-a-file\n")

    storages = _storages(
        FILE_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="clinic-files",
        AWS_S3_REGION_NAME="us-east-2",
        AWS_S3_ENDPOINT_URL="https://minio.internal:9000",
        AWS_S3_ADDRESSING_STYLE="path",
        AWS_ACCESS_KEY_ID="AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY_FILE=str(secret),
    )

    assert storages == {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "clinic-files",
                "location": "private-media",
                "region_name": "us-east-2",
                "endpoint_url": "https://minio.internal:9000",
                "addressing_style": "path",
                "object_parameters": {"ServerSideEncryption": "AES256"},
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
                "max_memory_size": 16 * 1024 * 1024,
                "access_key": "AKIAEXAMPLE",
                "secret_key": "from-a-file",
            },
        },
        "staticfiles": WHITENOISE,  # static files stay with WhiteNoise
    }


def test_without_keys_boto3_finds_its_own_and_kms_replaces_aes(monkeypatch):
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("FILE_STORAGE", "S3")
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "clinic-files")
    monkeypatch.setenv("AWS_S3_KMS_KEY_ID", "arn:aws:kms:us-east-2:111122223333:key/abcd")
    monkeypatch.setenv("AWS_LOCATION", "/tenants/a/")
    monkeypatch.setenv("AWS_DEFAULT_ACL", "none")

    options = file_storage_from_env()["OPTIONS"]

    assert "access_key" not in options
    assert "secret_key" not in options
    assert options["object_parameters"] == {
        "ServerSideEncryption": "aws:kms",
        "SSEKMSKeyId": "arn:aws:kms:us-east-2:111122223333:key/abcd",
    }
    assert options["location"] == "tenants/a"
    assert options["default_acl"] is None  # a bucket with ACLs disabled refuses even "private"
    assert options["region_name"] is None
    assert options["endpoint_url"] is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FILE_STORAGE": "s3"}, "FILE_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME"),
        ({"FILE_STORAGE": "gcs"}, "FILE_STORAGE must be local (the default) or s3"),
        (
            {"AWS_STORAGE_BUCKET_NAME": "clinic-files"},
            "AWS_STORAGE_BUCKET_NAME is set but FILE_STORAGE is not",
        ),
        (
            {
                "FILE_STORAGE": "s3",
                "AWS_STORAGE_BUCKET_NAME": "b",
                "AWS_DEFAULT_ACL": "public-read",
            },
            "AWS_DEFAULT_ACL must be one of private, bucket-owner-full-control, none",
        ),
        (
            {"FILE_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "b", "AWS_ACCESS_KEY_ID": "AKIA"},
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together",
        ),
    ],
)
def test_an_incomplete_or_unsafe_storage_setting_is_refused(env, message):
    assert message in _refusal(**{"FILE_STORAGE": "", **env})
