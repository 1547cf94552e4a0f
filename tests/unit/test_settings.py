"""The value checks every setting goes through (command line, Glue job arguments and
``imgmeta aws start-run`` alike): what each accepts, its bounds, and the exact message a
user reads when a value is refused."""

from __future__ import annotations

import pytest

from image_metadata.exceptions import UsageError
from image_metadata.job.settings import (
    DEFAULT_MAX_BYTES,
    check,
    config_from_job_arguments,
    count_between,
    parse_bool,
    parse_count,
    parse_encoding,
    parse_location,
    parse_name,
    parse_network,
    parse_networks,
    parse_output,
    parse_run_id,
    parse_seconds,
    parse_size,
)


def refusal(parse, value: str) -> str:
    with pytest.raises(ValueError) as refused:
        parse(value)
    return str(refused.value)


# ---------------------------------------------------------------- counts


@pytest.mark.parametrize(("value", "number"), [("1", 1), ("64", 64), (" 8 ", 8), ("1_024", 1024),
                                               ("+5", 5), ("0008", 8)])
def test_a_count_is_a_whole_number_in_ascii_digits(value, number):
    assert parse_count(value, 1, 1024) == number


@pytest.mark.parametrize("value", ["", "abc", "1.5", "²", "٣", "1e3", "0x10", "1 2",
                                   "1" * 19])
def test_anything_but_ascii_digits_is_refused_naming_the_range(value):
    assert refusal(lambda v: parse_count(v, 1, 1024), value) == \
        "expected a whole number from 1 to 1024"


@pytest.mark.parametrize(("value", "accepted"), [("0", False), ("1", True), ("1024", True),
                                                 ("1025", False), ("-1", False)])
def test_a_count_holds_both_bounds_inclusive(value, accepted):
    parse = count_between(1, 1024)
    if accepted:
        assert parse(value) == int(value)
    else:
        assert refusal(parse, value) == "expected a whole number from 1 to 1024"


# ---------------------------------------------------------------- sizes


@pytest.mark.parametrize(("value", "size"), [
    ("33554432", 33554432), ("1024", 1024), ("32M", 32 << 20), ("32MiB", 32 << 20),
    ("32mib", 32 << 20), ("10MB", 10_000_000), ("10mb", 10_000_000), ("1.5K", 1536),
    ("1.5KB", 1500), ("2 GiB", 2 << 30), ("1T", 1 << 40), ("1TiB", 1 << 40), ("4096B", 4096),
    ("1KiB", 1024), ("2kb", 2000),
])
def test_a_size_is_read_as_gnu_tools_read_it(value, size):
    assert parse_size(value) == size


@pytest.mark.parametrize("value", ["", "MiB", "12 parsecs", "-5M", "1,5M", "0x10"])
def test_a_size_that_is_no_size_is_refused_with_examples(value):
    assert refusal(parse_size, value) == "expected a size in bytes, e.g. 33554432, 32MiB or 10MB"


@pytest.mark.parametrize("value", ["1023", "1000B", "1.0001KiB", "1.5", "1025TiB",
                                   str((1 << 40) + 1), "1.1TiB"])
def test_a_size_outside_1_kib_to_1_tib_or_with_a_fraction_of_a_byte_is_refused(value):
    assert refusal(parse_size, value) == "expected a whole number of bytes from 1 KiB to 1 TiB"


def test_the_size_bounds_are_inclusive():
    assert (parse_size("1024"), parse_size(str(1 << 40))) == (1024, 1 << 40)


# ---------------------------------------------------------------- switches and networks


@pytest.mark.parametrize(("value", "meaning"), [
    ("true", True), ("TRUE", True), (" yes ", True), ("Yes", True), ("1", True),
    ("false", False), ("False", False), ("no", False), ("NO", False), ("0", False)])
def test_a_switch_reads_the_usual_spellings(value, meaning):
    assert parse_bool(value) is meaning


@pytest.mark.parametrize("value", ["", "on", "off", "2", "y", "t"])
def test_any_other_switch_value_is_refused(value):
    assert refusal(parse_bool, value) == "expected true or false"


@pytest.mark.parametrize(("value", "network"), [
    ("10.20.0.0/16", "10.20.0.0/16"), ("10.20.3.4/16", "10.20.0.0/16"),
    (" 192.168.1.7 ", "192.168.1.7/32"), ("fd00::1/8", "fd00::/8")])
def test_a_network_is_read_as_cidr_and_given_its_network_address(value, network):
    assert parse_network(value) == network


@pytest.mark.parametrize("value", ["", "10.20.0.0/33", "ten", "10.20.0.0/16/1", "*"])
def test_a_network_that_is_no_cidr_is_refused_with_an_example(value):
    assert refusal(parse_network, value) == "not a network in CIDR form, e.g. 10.20.0.0/16"


def test_networks_are_separated_by_commas_and_blanks_are_ignored():
    assert parse_networks(" 10.20.0.0/16, ,192.168.1.0/24,") == ("10.20.0.0/16", "192.168.1.0/24")
    assert parse_networks("") == ()


def test_a_bad_network_in_a_list_is_named_with_the_separator_hint():
    assert refusal(parse_networks, "10.0.0.0/8 192.168.0.0/16") == (
        "'10.0.0.0/8 192.168.0.0/16' is not a network in CIDR form, e.g. 10.20.0.0/16; "
        "separate networks with commas")


# ---------------------------------------------------------------- names, places, encodings


def test_a_run_id_is_taken_trimmed_and_may_be_empty():
    assert (parse_run_id(" nightly-2026.12_01 "), parse_run_id("")) == ("nightly-2026.12_01", "")


@pytest.mark.parametrize("value", ["-lead", ".lead", "a b", "a/b", "x" * 101, "é"])
def test_a_run_id_outside_the_file_name_alphabet_is_refused_saying_what_is_allowed(value):
    assert refusal(parse_run_id, value) == (
        "use letters, digits, '.', '_' and '-' only, at most 100 characters, "
        "starting with a letter or digit")


def test_a_run_id_of_100_characters_is_accepted():
    assert parse_run_id("r" * 100) == "r" * 100


def test_names_and_locations_are_trimmed_and_must_not_be_empty():
    assert (parse_name(" url "), parse_location(" s3://b/m/ ")) == ("url", "s3://b/m/")
    assert refusal(parse_name, "  ") == "must not be empty"
    assert refusal(parse_location, "") == "must name a file, folder or s3:// location"


@pytest.mark.parametrize("value", ["s3://bucket/out/", "/data/out", "file:///data/out"])
def test_an_output_spark_can_write_is_accepted(value):
    assert parse_output(value) == value


@pytest.mark.parametrize("value", ["s3://bucket/out[1]/", "/data/out*", "/data/a:b",
                                   "s3://bucket/{x}", "/data/a?b", "/data/a\\b"])
def test_an_output_spark_cannot_write_is_refused(value):
    assert refusal(parse_output, value) == (
        "Spark cannot write below a path holding { } [ ] * ? \\ or ':'; choose another location")


@pytest.mark.parametrize(("value", "name"), [("utf-8", "utf-8"), ("UTF8", "utf-8"),
                                             (" latin-1 ", "iso8859-1"), ("cp1252", "cp1252")])
def test_an_encoding_is_given_its_canonical_name(value, name):
    assert parse_encoding(value) == name


def test_an_unknown_encoding_is_refused_with_examples():
    assert refusal(parse_encoding, "klingon") == (
        "not a known text encoding (e.g. utf-8, latin-1, cp1252)")


@pytest.mark.parametrize(("value", "seconds"), [("0.1", 0.1), ("30", 30.0), ("3600", 3600.0),
                                                (" 2.5 ", 2.5)])
def test_seconds_hold_both_bounds_inclusive(value, seconds):
    assert parse_seconds(value) == seconds


@pytest.mark.parametrize("value", ["0.09", "0", "3600.5", "-1", "inf"])
def test_seconds_outside_the_range_are_refused_naming_it(value):
    assert refusal(parse_seconds, value) == "expected a number of seconds from 0.1 to 3600"


def test_seconds_that_are_no_number_are_refused():
    assert refusal(parse_seconds, "soon") == "expected a number of seconds"


# ---------------------------------------------------------------- messages and the mapping


def test_a_refused_value_is_quoted_whole_up_to_60_characters():
    value = "x" * 60
    with pytest.raises(UsageError) as refused:
        check("concurrency", value)
    assert str(refused.value) == (
        f"job argument --concurrency {value!r}: expected a whole number from 1 to 1024")


def test_a_longer_refused_value_is_cut_to_59_characters_and_an_ellipsis():
    with pytest.raises(UsageError) as refused:
        check("concurrency", "y" * 61)
    assert f"{'y' * 59 + '…'!r}:" in str(refused.value)


def test_a_refusal_names_the_spelling_given_by_the_caller():
    with pytest.raises(UsageError, match=r"^job argument --JOB_RUN_ID 'bad id': use letters"):
        check("run_id", "bad id", flag="--JOB_RUN_ID")


JOB = {"manifest": "s3://m/manifests/", "output": "s3://o/"}


def _config(**values: str):
    from image_metadata.job.settings import ARGUMENTS_BY_NAME

    defaults = {a.name: a.default for a in ARGUMENTS_BY_NAME.values() if a.default is not None}
    return config_from_job_arguments({**defaults, **JOB, **values})


def test_every_value_of_the_mapping_lands_in_its_setting():
    config = _config(manifest=" s3://m/list.csv ", output="s3://o/meta/", encoding="latin-1",
                     url_column="link", id_column="key", run_id="r7")
    assert (config.manifest, config.output, config.encoding) == (
        "s3://m/list.csv", "s3://o/meta/", "iso8859-1")
    assert (config.url_column, config.id_column, config.run_id) == ("link", "key", "r7")


def test_glues_run_id_names_the_run_and_is_checked_as_job_run_id():
    assert _config(JOB_RUN_ID="jr_0123abc").run_id == "jr_0123abc"
    with pytest.raises(UsageError, match=r"^job argument --JOB_RUN_ID 'jr bad'"):
        _config(JOB_RUN_ID="jr bad")


def test_without_any_run_id_the_run_id_is_left_for_the_pipeline_to_make():
    assert _config().run_id == ""


def test_unset_optional_values_are_none_not_empty():
    config = _config()
    assert (config.partitions, config.id_column) == (None, None)
    assert config.extract.max_bytes == DEFAULT_MAX_BYTES
    assert config.encoding == "utf-8"


# ---------------------------------------------------------------- reading a Glue argv


@pytest.mark.parametrize(("argv", "pairs"), [
    (["s", "stray", "--manifest", "m"], [("manifest", "m")]),  # a stray value is skipped
    (["s", "--a=b", "--c", "d"], [("a", "b"), ("c", "d")]),
    (["s", "--manifest", "m", "--flag"], [("manifest", "m"), ("flag", None)]),
    (["s", "--output", "--manifest", "m"], [("output", None), ("manifest", "m")]),
    (["s", "--output", "--manifest=x=y"], [("output", None), ("manifest", "x=y")]),
    (["s", "--python-modules-installer-option", "--no-index"],
     [("python-modules-installer-option", "--no-index")]),  # an option-like value
    (["s", "--x", "--unknown"], [("x", "--unknown")]),
])
def test_a_glue_argv_is_read_as_name_value_pairs(argv, pairs):
    from image_metadata.job.settings import argument_pairs

    assert argument_pairs(argv) == pairs


def _resolve_as_given(passed: list[str], wanted: list[str]) -> dict[str, str]:
    from awsglue.utils import getResolvedOptions  # AWS's own reader, as the job uses it

    return getResolvedOptions(passed, wanted)


def test_the_glue_job_name_and_run_id_are_read_with_the_arguments():
    from image_metadata.job.settings import read_job_arguments

    values = read_job_arguments(["s", "--JOB_NAME", "extract", "--JOB_RUN_ID", "jr_1",
                                 "--manifest", "s3://m/", "--output", "s3://o/"],
                                _resolve_as_given)
    assert (values["JOB_NAME"], values["JOB_RUN_ID"], values["manifest"]) == (
        "extract", "jr_1", "s3://m/")


def test_every_missing_required_argument_is_named_in_one_message():
    from image_metadata.job.settings import read_job_arguments

    with pytest.raises(UsageError) as refused:
        read_job_arguments(["s"], _resolve_as_given)
    assert str(refused.value) == ("job argument --manifest (or --images, --inventory), --output "
                                  "is missing: set it in the job's default arguments or pass "
                                  "it to this run")


def test_an_argument_of_ours_without_a_value_is_refused():
    from image_metadata.job.settings import read_job_arguments

    with pytest.raises(UsageError) as refused:
        read_job_arguments(["s", "--manifest", "s3://m/", "--output"], _resolve_as_given)
    assert str(refused.value) == "job argument --output has no value"


def test_a_glue_flag_without_a_value_is_no_error():
    from image_metadata.job.settings import read_job_arguments

    values = read_job_arguments(["s", "--manifest", "s3://m/", "--output", "s3://o/",
                                 "--enable-glue-datacatalog"], _resolve_as_given)
    assert values["output"] == "s3://o/"


def test_a_failure_of_the_argument_reader_is_one_usage_error():
    from image_metadata.job.settings import read_job_arguments

    def broken(passed, wanted):  # how awsglue's parser fails (it raises, never exits)
        raise RuntimeError("argument --x: expected one argument")

    with pytest.raises(UsageError) as refused:
        read_job_arguments(["s", "--manifest", "m", "--output", "o"], broken)
    assert str(refused.value) == (
        "job arguments cannot be read: argument --x: expected one argument")


@pytest.mark.parametrize(("name", "guess"), [
    ("allow-private", "--allow_private_networks"),  # the command line's dashes, shortened
    ("ur_column", "--url_column"),  # close to url_column (and less so to id_column)
])
def test_a_name_close_to_one_of_ours_is_refused_with_the_closest(name, guess):
    from image_metadata.job.settings import read_job_arguments

    with pytest.raises(UsageError) as refused:
        read_job_arguments(["s", "--manifest", "m", "--output", "o", f"--{name}", "x"],
                           _resolve_as_given)
    assert str(refused.value) == f"unknown job argument --{name}; did you mean {guess}?"


def test_a_name_only_loosely_like_ours_is_ignored_with_a_warning(caplog):
    import logging

    from image_metadata.job.settings import read_job_arguments

    with caplog.at_level(logging.WARNING, logger="image_metadata.job.settings"):
        read_job_arguments(["s", "--manifest", "m", "--output", "o", "--encode", "x"],
                           _resolve_as_given)
    assert caplog.messages == ["ignoring job argument --encode: image-metadata does not use it"]


def test_glues_run_id_without_a_value_is_refused_not_taken_as_a_name():
    from image_metadata.job.settings import read_job_arguments

    with pytest.raises(UsageError, match=r"^job arguments cannot be read: "):
        read_job_arguments(["s", "--manifest", "m", "--output", "o", "--JOB_RUN_ID"],
                           _resolve_as_given)


# ---------------------------------------------------------------- arguments of a new run


def test_a_runs_arguments_are_written_as_the_job_reads_them():
    from image_metadata.job.settings import job_run_arguments

    assert job_run_arguments({"output": "s3://o/", "concurrency": 8, "allow_local_files": True,
                              "allow_private_networks": False,
                              "allow_networks": ("10.0.0.0/8", "192.168.0.0/16"),
                              "run_id": None}) == {
        "--output": "s3://o/", "--concurrency": "8", "--allow_local_files": "true",
        "--allow_private_networks": "false", "--allow_networks": "10.0.0.0/8,192.168.0.0/16"}


def test_a_bad_value_for_a_new_run_is_refused_before_any_call():
    from image_metadata.job.settings import job_run_arguments

    with pytest.raises(UsageError, match=r"^job argument --concurrency '0': expected a whole"):
        job_run_arguments({"concurrency": 0})


@pytest.mark.parametrize("name", ["JOB_RUN_ID", "TempDir", "nonsense"])
def test_only_names_of_our_job_arguments_are_sent(name):
    from image_metadata.job.settings import job_run_arguments

    with pytest.raises(UsageError) as refused:
        job_run_arguments({name: "x"})
    assert str(refused.value) == f"{name!r} is not a job argument of image-metadata"


def test_a_location_holding_a_second_scheme_separator_is_refused():
    assert refusal(parse_output, "s3://bucket/x://y").startswith("Spark cannot write below")


def test_unset_values_of_a_new_run_are_left_to_the_jobs_defaults_wherever_they_come():
    from image_metadata.job.settings import job_run_arguments

    assert job_run_arguments({"run_id": None, "partitions": None, "output": "s3://o/"}) == {
        "--output": "s3://o/"}


def test_a_new_run_id_is_the_utc_time_and_a_random_suffix():
    import re
    from datetime import UTC, datetime

    from image_metadata.job.settings import new_run_id

    made = new_run_id(datetime(2026, 12, 1, 23, 4, 5, tzinfo=UTC))
    assert re.fullmatch(r"20261201T230405Z-[0-9a-f]{8}", made)
    assert new_run_id() != new_run_id()
    assert parse_run_id(new_run_id()) != ""


def test_a_new_run_id_is_utc_whatever_the_machines_time_zone(monkeypatch):
    import time
    from datetime import UTC, datetime

    from image_metadata.job.settings import new_run_id

    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: another date most of the day
    time.tzset()
    try:
        assert new_run_id()[:11] == datetime.now(UTC).strftime("%Y%m%dT%H")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_images_with_globs_land_in_the_run_settings():
    config = _config(manifest="", images="s3://lake/photos/", include="*.jpg, *.heic",
                     exclude="thumbs/*")
    assert (config.images, config.manifest) == ("s3://lake/photos/", "")
    assert (config.include, config.exclude) == (("*.jpg", "*.heic"), ("thumbs/*",))


def test_images_given_to_a_job_whose_default_names_a_manifest_list_the_images():
    config = _config(images="s3://lake/photos/")  # JOB's manifest plays the job default
    assert (config.images, config.manifest) == ("s3://lake/photos/", "")


def test_neither_a_manifest_nor_images_is_refused():
    with pytest.raises(UsageError, match=r"^job argument --manifest \(or --images, "
                                         r"--inventory\) is missing"):
        _config(manifest=" ")


def test_globs_without_images_are_refused():
    with pytest.raises(UsageError, match="--include and --exclude choose keys under --images"):
        _config(include="*.jpg")
