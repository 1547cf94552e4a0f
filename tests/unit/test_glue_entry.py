"""The Glue entry script reads the arguments Glue passes with AWS's own awsglue library, checks
every value before any Spark work and stops a bad run with one line and exit code 2."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import re
from pathlib import Path

import pytest
from awsglue.job import Job
from awsglue.utils import getResolvedOptions

from image_metadata.exceptions import UsageError
from image_metadata.job.settings import (
    GLUE_ARGUMENTS,
    JOB_ARGUMENTS,
    config_from_job_arguments,
    read_job_arguments,
)

SCRIPT = Path(__file__).resolve().parents[2] / "glue_jobs" / "extract_image_metadata.py"
spec = importlib.util.spec_from_file_location("extract_image_metadata", SCRIPT)
entry = importlib.util.module_from_spec(spec)
spec.loader.exec_module(entry)

# What Glue puts in front of a run's own arguments (values as in a real run).
GLUE_RUN = ["/tmp/extract_image_metadata.py", "--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_abc123",
            "--JOB_NAME", "image-metadata-extract", "--job-bookmark-option",
            "job-bookmark-disable", "--TempDir", "s3://assets/temporary/", "--enable-metrics",
            "", "--enable-continuous-cloudwatch-log", "true", "--enable-observability-metrics",
            "true", "--additional-python-modules", "s3://m/_artifacts/glue/x.gluewheels.zip",
            "--python-modules-installer-option", "--no-index", "--conf",
            "spark.hadoop.fs.s3a.endpoint.region=eu-west-1"]
JOB = ["--manifest", "s3://images/manifests/", "--output", "s3://metadata/"]


def read(argv: list[str], resolve=getResolvedOptions) -> dict[str, str]:
    return read_job_arguments(argv, resolve)


def config(*extra: str):
    return config_from_job_arguments(read([*GLUE_RUN, *JOB, *extra]))


def test_a_glue_run_is_read_by_awsglue_without_a_reserved_argument_conflict():
    values = read([*GLUE_RUN, *JOB])
    assert (values["manifest"], values["output"], values["JOB_RUN_ID"]) == (
        "s3://images/manifests/", "s3://metadata/", "jr_abc123")


def test_the_glue_run_id_names_the_run_when_no_run_id_is_given():
    assert config().run_id == "jr_abc123"


def test_an_explicit_run_id_wins_over_the_glue_run_id():
    assert config("--run_id", "batch-7").run_id == "batch-7"


def test_defaults_apply_to_arguments_a_run_does_not_pass():
    settings = config()
    assert (settings.extract.concurrency, settings.extract.max_bytes, settings.partitions) == (
        32, 32 * 1024 * 1024, None)
    assert settings.extract.allow_local_files is False
    assert settings.extract.fetch.allow_private_networks is False


def test_every_argument_of_the_table_reaches_the_settings():
    settings = config("--concurrency", "8", "--partitions", "12", "--url_column", "link",
                      "--id_column", "key", "--max_bytes", "10MiB", "--allow_local_files",
                      "true", "--allow_private_networks", "TRUE", "--allow_networks",
                      "10.20.0.0/16, 192.168.1.0/24", "--progress_seconds", "5")
    assert settings.extract.concurrency == 8 and settings.partitions == 12
    assert (settings.url_column, settings.id_column) == ("link", "key")
    assert settings.extract.max_bytes == 10 * 1024 * 1024
    assert settings.extract.allow_local_files and settings.extract.fetch.allow_private_networks
    assert settings.extract.fetch.allowed_networks == ("10.20.0.0/16", "192.168.1.0/24")
    assert settings.progress_seconds == 5.0


def test_no_job_argument_is_a_name_glue_reserves():
    ours = {a.name for a in JOB_ARGUMENTS}
    reserved = {o.lstrip("-") for o in (*Job.id_params(), *Job.job_bookmark_options()[:1],
                                        *Job.continuation_options()[:1],
                                        *Job.job_bookmark_range_options(),
                                        *Job.encryption_type_options()[:1],
                                        *Job.data_lineage_options())}
    assert reserved <= GLUE_ARGUMENTS
    assert not ours & GLUE_ARGUMENTS


def test_the_standin_reads_what_awsglue_reads():
    for argv in ([*GLUE_RUN, *JOB], [*GLUE_RUN, *JOB, "--run_id", "r1", "--concurrency", "4"],
                 ["script", *JOB, "--max_bytes=1MB"]):
        assert read(argv, entry.standin_resolved_options) == read(argv)


@pytest.mark.parametrize("name", ["JOB_RUN_ID", "JOB_ID", "job-bookmark-option"])
@pytest.mark.parametrize("resolve", [getResolvedOptions, entry.standin_resolved_options])
def test_asking_for_a_name_glue_registers_fails_in_awsglue_and_the_standin(resolve, name):
    """The conflict that once failed every job run: both raise rather than answer."""
    with pytest.raises((RuntimeError, argparse.ArgumentError)):
        resolve(["script", f"--{name}", "x"], [name])


def test_a_shortened_argument_of_ours_is_refused_not_taken_for_it():
    """argparse alone would read '--concur 4' as --concurrency on Glue."""
    with pytest.raises(UsageError, match=r"unknown job argument --concur; did you mean "
                                         r"--concurrency\?"):
        config("--concur", "4")


def test_an_ambiguous_short_argument_names_every_candidate():
    with pytest.raises(UsageError, match=r"--allow; did you mean --allow_local_files or "
                                         r"--allow_networks or --allow_private_networks\?"):
        config("--allow", "true")


def test_a_one_letter_argument_that_can_mean_only_one_of_ours_is_refused():
    with pytest.raises(UsageError, match=r"--o; did you mean --output\?"):
        config("--o", "s3://o/")


def test_a_value_starting_with_a_dash_is_a_value():
    assert config("--id_column=-x").id_column == "-x"


def test_values_that_look_like_options_belong_to_their_argument():
    values = read(["script", *JOB, "--python-modules-installer-option", "--no-index",
                   "--concurrency", "7"])
    assert values["concurrency"] == "7"


@pytest.mark.parametrize(("extra", "message"), [
    (("--concurrency", "abc"), "--concurrency 'abc': expected a whole number from 1 to 1024"),
    (("--concurrency", "0"), "--concurrency '0': expected a whole number from 1 to 1024"),
    (("--concurrency", "²"), "--concurrency '²': expected a whole number"),
    (("--partitions", "-1"), "--partitions '-1': expected a whole number from 0"),
    (("--max_bytes", "lots"), "--max_bytes 'lots': expected a size in bytes"),
    (("--allow_networks", "10.0.0.0/33"), "--allow_networks '10.0.0.0/33': '10.0.0.0/33' is "
     "not a network"),
    (("--allow_networks", "10.0.0.0/8,intranet"), "--allow_networks '10.0.0.0/8,intranet': "
     "'intranet' is not a network in CIDR form"),
    (("--allow_private_networks", "ture"), "--allow_private_networks 'ture': expected true"),
    (("--run_id", "a b"), "--run_id 'a b': use letters, digits"),
    (("--run_id", "x" * 101), f"--run_id '{'x' * 59}…': use letters"),
    (("--url_column", " "), "--url_column ' ': must not be empty"),
    (("--progress_seconds", "0"), "--progress_seconds '0'"),
    (("--output", "/data/out[1]"), "--output '/data/out[1]': Spark cannot write below"),
    (("--output", "s3://metadata/runs:2/"), "--output 's3://metadata/runs:2/': Spark cannot"),
])
def test_a_bad_value_is_refused_naming_the_argument(extra, message):
    with pytest.raises(UsageError, match="^job argument " + re.escape(message)):
        config(*extra)


def test_a_misspelt_argument_of_ours_is_refused_with_the_right_name():
    with pytest.raises(UsageError, match=r"unknown job argument --concurency; did you mean "
                                         r"--concurrency\?"):
        config("--concurency", "8")


def test_the_command_lines_spelling_of_an_argument_is_refused_with_the_glue_one():
    with pytest.raises(UsageError, match="did you mean --run_id"):
        config("--run-id", "r1")


def test_an_unknown_argument_unlike_ours_is_logged_and_ignored(caplog):
    with caplog.at_level(logging.WARNING):
        assert config("--my-team-tag", "photos").extract.concurrency == 32
    assert "ignoring job argument --my-team-tag" in caplog.text


def test_a_missing_required_argument_is_named():
    with pytest.raises(UsageError, match=r"job argument --output is missing"):
        read([*GLUE_RUN, "--manifest", "s3://images/manifests/"])


def test_a_bad_run_stops_with_exit_2_and_one_line_before_spark(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(entry, "spark_session", _no_spark)
    with caplog.at_level(logging.INFO), pytest.raises(SystemExit) as stopped:
        entry.main([*GLUE_RUN, *JOB, "--concurrency", "abc"])
    assert stopped.value.code == 2
    assert "job argument --concurrency 'abc'" in str(stopped.value)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == [
        "job argument --concurrency 'abc': expected a whole number from 1 to 1024"]


def test_an_unknown_url_column_stops_the_run_before_spark(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(entry, "spark_session", _no_spark)
    manifest = tmp_path / "m.csv"
    manifest.write_text("url,id\nhttp://example.com/a.jpg,1\n")
    with caplog.at_level(logging.INFO), pytest.raises(SystemExit) as stopped:
        entry.main([*GLUE_RUN, "--manifest", str(manifest), "--output", str(tmp_path / "o"),
                    "--url_column", "link"])
    assert stopped.value.code == 2
    (error,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "has no 'link' column" in error.getMessage()


def _no_spark():
    """A guard in place of the Spark session: these runs must stop before any Spark work."""
    raise AssertionError("Spark must not start for a run that cannot go ahead")


def _summary_of_a_broken_run(**_ignored):
    """What a pipeline that lost a row would report: 3 rows, 2 distinct URLs, 1 result."""
    from image_metadata.job.accounting import ManifestCounts, ResultGroup, run_summary

    return run_summary([ResultGroup("ok", None, 1)], ManifestCounts(3, 0, 2, 3, 0),
                       run={"run_id": "r-lost"})


class _NoSparkNeeded:
    def stop(self) -> None:
        pass


def test_a_run_that_does_not_account_for_every_row_fails_the_job_with_exit_1(
        tmp_path, caplog, monkeypatch):
    # A correct pipeline cannot lose a row, so a broken one stands in for pipeline.run: what is
    # under test is how the entry script ends such a run, not Spark.
    from image_metadata.job import pipeline

    manifest = tmp_path / "m.csv"
    manifest.write_text("url\nhttp://example.com/a.jpg\n")
    monkeypatch.setattr(entry, "spark_session", _NoSparkNeeded)
    monkeypatch.setattr(pipeline, "run", lambda *a, **k: _summary_of_a_broken_run())
    with caplog.at_level(logging.INFO), pytest.raises(SystemExit) as stopped:
        entry.main([*GLUE_RUN, "--manifest", str(manifest), "--output", str(tmp_path / "o")])
    assert stopped.value.code == 1
    (error,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert error.getMessage().startswith("not every manifest row is accounted for: see runs/"
                                         "r-lost.json")



def test_a_run_failing_more_images_than_allowed_fails_the_job_after_its_metrics(
        tmp_path, caplog, monkeypatch):
    from image_metadata.job import pipeline, run_metrics
    from image_metadata.job.accounting import ManifestCounts, ResultGroup, run_summary

    summary = run_summary([ResultGroup("ok", None, 1), ResultGroup("failed", "not_found", 3)],
                          ManifestCounts(4, 0, 4, 4, 0), run={"run_id": "r-bad"})
    published = []
    monkeypatch.setattr(run_metrics, "publish", lambda s, job, **k: published.append(job))
    monkeypatch.setattr(entry, "spark_session", _NoSparkNeeded)
    monkeypatch.setattr(pipeline, "run", lambda *a, **k: summary)
    manifest = tmp_path / "m.csv"
    manifest.write_text("url\nhttp://example.com/a.jpg\n")
    with caplog.at_level(logging.INFO), pytest.raises(SystemExit) as stopped:
        entry.main([*GLUE_RUN, "--manifest", str(manifest), "--output", str(tmp_path / "o"),
                    "--max_failure_rate", "0.5"])
    assert stopped.value.code == 1
    (error,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert error.getMessage() == ("3 of 4 images read failed (75 %); --max_failure_rate 0.5 "
                                  "allows at most 50 %")
    assert published == ["image-metadata-extract"]  # the alarm's metric went out first
