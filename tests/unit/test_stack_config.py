"""Stack settings from CDK context: defaults that deploy, overrides validated."""

from __future__ import annotations

import pytest

from infra.config import StackConfig


def test_empty_context_gives_the_defaults():
    config = StackConfig.from_context({})
    assert config == StackConfig()
    assert (config.worker_count, config.image_prefixes) == (10, ("",))


def test_account_wide_names_follow_the_stack_name():
    default = StackConfig.from_context({})
    assert (default.job_name, default.database_name, default.workgroup_name) == (
        "image-metadata-extract", "image_metadata", "image-metadata")
    dev = StackConfig.from_context({"stack_name": "ImageMetadataDev2"})
    assert (dev.job_name, dev.database_name, dev.workgroup_name) == (
        "image-metadata-dev2-extract", "image_metadata_dev2", "image-metadata-dev2")


def test_account_wide_names_can_be_set():
    config = StackConfig.from_context({"stack_name": "Dev", "job_name": "photos",
                                       "database_name": "photo_meta"})
    assert (config.job_name, config.database_name, config.workgroup_name) == (
        "photos", "photo_meta", "dev")


def test_context_values_are_coerced_from_strings():
    config = StackConfig.from_context({"worker_count": "20", "destroy_data_on_delete": "true",
                                       "image_prefixes": "raw/, manifests/"})
    assert config.worker_count == 20
    assert config.destroy_data_on_delete is True
    assert config.image_prefixes == ("raw/", "manifests/")


def test_unknown_key_is_rejected_with_the_known_keys():
    with pytest.raises(ValueError, match=r"unknown context keys \['workers'\].*worker_count"):
        StackConfig.from_context({"workers": 3})


@pytest.mark.parametrize(("key", "value", "message"), [
    ("worker_count", 1, "worker_count = 1 is outside 2..299"),
    ("existing_image_bucket", "Bad_Bucket", "not a valid S3 bucket name"),
    ("image_prefixes", ["/raw"], "no leading '/'"),
    ("database_name", "Image-Metadata", "lower-case letters"),
    ("destroy_data_on_delete", "maybe", "not a valid bool"),
    ("athena_bytes_scanned_cutoff", 1000, "at least 10 MB"),
    ("image_kms_key_arn", "alias/lake", "not a KMS key ARN"),
])
def test_bad_values_name_the_setting(key, value, message):
    with pytest.raises(ValueError, match=message):
        StackConfig.from_context({key: value})
