"""Incremental runs against a moto server and a real HTTP server: a prefix read once, then
again after objects were added, changed and deleted; the requests are counted where they
arrive (moto's request log, the HTTP server's counters)."""

from __future__ import annotations

import logging
import re

import pyarrow.dataset as ds
import pytest

from image_metadata import samples
from image_metadata.extract import ExtractSettings
from image_metadata.fetch.clients import FetchSettings
from image_metadata.job import pipeline

pytestmark = pytest.mark.spark
BUCKET = "incremental-lake"
PREFIX = f"s3://{BUCKET}/photos/"
SETTINGS = ExtractSettings(concurrency=4, allow_local_files=True,
                           fetch=FetchSettings(retries=1, backoff_factor=0.01,
                                               allow_private_networks=True))
_OBJECT_GET = re.compile(rf"GET /{BUCKET}/(photos/[^ ?\x1b]+)")


def _jpeg(width: int) -> bytes:
    return samples.encode("JPEG", (width, 10))


@pytest.fixture(scope="module")
def lake(s3):
    s3.create_bucket(Bucket=BUCKET)
    for key, body in (("a.jpg", _jpeg(11)), ("b.jpg", _jpeg(12)), ("c.png",
                      samples.encode("PNG", (13, 10))), ("d.jpg", b"not a picture")):
        s3.put_object(Bucket=BUCKET, Key=f"photos/{key}", Body=body)
    return s3


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    return tmp_path_factory.mktemp("incremental") / "out"


def _run(spark, output, caplog, run_id: str, **options):
    config = pipeline.RunConfig("", str(output), run_id=run_id, extract=SETTINGS,
                                images=PREFIX, incremental=True, **options)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        summary = pipeline.run(spark, config)
    gets = sorted(m.group(1) for r in caplog.records if (m := _OBJECT_GET.search(
        r.getMessage())))
    return summary, gets


def _counts(summary) -> tuple:
    return tuple(summary[k] for k in ("succeeded", "failed", "unchanged", "skipped",
                                      "accounted"))


@pytest.fixture(scope="module")
def first(spark, lake, output):
    config = pipeline.RunConfig("", str(output), run_id="r1", extract=SETTINGS, images=PREFIX,
                                incremental=True)
    return pipeline.run(spark, config)


def test_an_incremental_run_over_an_empty_output_reads_everything(first):
    assert _counts(first) == (3, 1, 0, 0, True)
    assert first["incremental"] is True


def test_a_second_run_makes_no_request_for_unchanged_objects_and_retries_the_failure(
        spark, first, output, caplog):
    summary, gets = _run(spark, output, caplog, "r2")
    assert _counts(summary) == (0, 1, 3, 0, True)
    assert set(gets) == {"photos/d.jpg"}  # the failure, read again; nothing else


def test_added_changed_and_deleted_objects_are_read_left_alone_and_forgotten(
        spark, lake, first, output, caplog):
    lake.put_object(Bucket=BUCKET, Key="photos/b.jpg", Body=_jpeg(22))  # changed
    lake.put_object(Bucket=BUCKET, Key="photos/e.jpg", Body=_jpeg(15))  # added
    lake.delete_object(Bucket=BUCKET, Key="photos/c.png")  # deleted
    summary, gets = _run(spark, output, caplog, "r3")
    assert _counts(summary) == (2, 1, 1, 0, True)  # b and e read, a unchanged, d failed
    assert set(gets) == {"photos/b.jpg", "photos/e.jpg", "photos/d.jpg"}
    table = ds.dataset(output / "images", format="parquet", partitioning="hive").to_table()
    widths = {(r["id"], r["run_id"]): r["width"] for r in table.to_pylist()}
    assert widths[("photos/b.jpg", "r3")] == 22


def test_retrying_only_failures_reads_nothing_else_and_skips_what_is_new(
        spark, lake, first, output, caplog):
    lake.put_object(Bucket=BUCKET, Key="photos/f.jpg", Body=_jpeg(16))
    summary, gets = _run(spark, output, caplog, "r4", retry_failures="only")
    assert _counts(summary) == (0, 1, 3, 1, True)  # d read; a, b, e unchanged; f skipped
    assert set(gets) == {"photos/d.jpg"}


def test_not_retrying_failures_leaves_their_last_row_current(spark, first, output, caplog):
    summary, gets = _run(spark, output, caplog, "r5", retry_failures="no",
                         exclude=("f.jpg", "e.jpg", "b.jpg"))
    assert _counts(summary) == (0, 0, 2, 0, True)  # a (success) and d (failure), unread
    assert gets == []


def test_an_http_url_unchanged_since_its_last_read_is_asked_conditionally_and_not_read(
        spark, http_server, tmp_path):
    http_server.files["/incremental/h.jpg"] = _jpeg(17)
    manifest = tmp_path / "m.txt"
    manifest.write_text(http_server.url("incremental/h.jpg") + "\n")
    output = tmp_path / "out"
    full = pipeline.RunConfig(str(manifest), str(output), run_id="h1", extract=SETTINGS)
    assert pipeline.run(spark, full)["succeeded"] == 1
    before = http_server.not_modified
    again = pipeline.RunConfig(str(manifest), str(output), run_id="h2", extract=SETTINGS,
                               incremental=True)
    summary = pipeline.run(spark, again)
    assert _counts(summary) == (0, 0, 1, 0, True)
    assert http_server.not_modified == before + 1
    http_server.files["/incremental/h.jpg"] = _jpeg(18)  # a new ETag: read again
    changed = pipeline.RunConfig(str(manifest), str(output), run_id="h3", extract=SETTINGS,
                                 incremental=True)
    assert _counts(pipeline.run(spark, changed)) == (1, 0, 0, 0, True)


def test_a_local_folder_is_compared_by_size_and_modification_time(spark, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(_jpeg(19))
    (folder / "b.jpg").write_bytes(_jpeg(20))
    output = tmp_path / "out"
    config = pipeline.RunConfig("", str(output), run_id="l1", extract=SETTINGS,
                                images=str(folder), incremental=True)
    assert pipeline.run(spark, config)["succeeded"] == 2
    (folder / "b.jpg").write_bytes(_jpeg(21) + b"\x00" * 10)  # another size
    again = pipeline.RunConfig("", str(output), run_id="l2", extract=SETTINGS,
                               images=str(folder), incremental=True)
    assert _counts(pipeline.run(spark, again)) == (1, 0, 1, 0, True)


def test_re_running_a_run_id_incrementally_keeps_its_rows(spark, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(_jpeg(23))
    output = tmp_path / "out"
    config = pipeline.RunConfig("", str(output), run_id="nightly", extract=SETTINGS,
                                images=str(folder), incremental=True)
    assert pipeline.run(spark, config)["succeeded"] == 1
    again = pipeline.run(spark, config)  # its own rows are no prior state: read, replaced
    assert _counts(again) == (1, 0, 0, 0, True)
    table = ds.dataset(output / "images", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 1


def test_a_manifest_of_local_paths_is_compared_by_size_and_time_without_a_read(spark,
                                                                               tmp_path):
    image = tmp_path / "a.jpg"
    image.write_bytes(_jpeg(24))
    manifest = tmp_path / "m.txt"
    manifest.write_text(f"{image}\n")
    output = tmp_path / "out"
    first = pipeline.RunConfig(str(manifest), str(output), run_id="p1", extract=SETTINGS)
    assert pipeline.run(spark, first)["succeeded"] == 1
    for run_id in ("p2", "p3"):  # every later run: unchanged, never a failure
        config = pipeline.RunConfig(str(manifest), str(output), run_id=run_id,
                                    extract=SETTINGS, incremental=True)
        assert _counts(pipeline.run(spark, config)) == (0, 0, 1, 0, True)


def test_output_written_before_the_time_columns_changed_type_is_prior_state_too(
        spark, tmp_path):
    from tests.unit.test_schema_evolution import _write_old

    output = tmp_path / "out"
    _write_old(output, "2025-01-01")  # datetime_original as an instant, as the old job wrote
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(_jpeg(25))
    config = pipeline.RunConfig("", str(output), run_id="after", extract=SETTINGS,
                                images=str(folder), incremental=True)
    assert _counts(pipeline.run(spark, config)) == (1, 0, 0, 0, True)


def test_a_weak_etag_is_kept_as_sent_and_asked_for_again(spark, http_server, tmp_path):
    http_server.files["/incremental/weak.jpg"] = _jpeg(26)
    http_server.headers["/incremental/weak.jpg"] = {"ETag": 'W/"v1"'}
    manifest = tmp_path / "m.txt"
    manifest.write_text(http_server.url("incremental/weak.jpg") + "\n")
    output = tmp_path / "out"
    pipeline.run(spark, pipeline.RunConfig(str(manifest), str(output), run_id="w1",
                                           extract=SETTINGS))
    table = ds.dataset(output / "images", format="parquet", partitioning="hive").to_table()
    assert table.column("etag").to_pylist() == ['W/"v1"']
    before = http_server.not_modified
    again = pipeline.RunConfig(str(manifest), str(output), run_id="w2", extract=SETTINGS,
                               incremental=True)
    assert _counts(pipeline.run(spark, again)) == (0, 0, 1, 0, True)
    assert http_server.not_modified == before + 1


def test_an_s3_url_in_a_manifest_is_asked_with_its_etag_and_not_read_again(
        spark, lake, tmp_path, caplog):
    manifest = tmp_path / "m.txt"
    manifest.write_text(f"s3://{BUCKET}/photos/a.jpg\n")
    output = tmp_path / "out"
    pipeline.run(spark, pipeline.RunConfig(str(manifest), str(output), run_id="s1",
                                           extract=SETTINGS))
    config = pipeline.RunConfig(str(manifest), str(output), run_id="s2", extract=SETTINGS,
                                incremental=True)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        summary = pipeline.run(spark, config)
    assert _counts(summary) == (0, 0, 1, 0, True)
    answers = [r.getMessage() for r in caplog.records if "photos/a.jpg" in r.getMessage()]
    assert len(answers) == 1 and '" 304 ' in answers[0].replace("\x1b[0m", "")
