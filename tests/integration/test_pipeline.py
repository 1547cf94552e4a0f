"""The Spark job end to end with local[2]: S3 (moto), HTTP and local files in one manifest."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from image_metadata import samples
from image_metadata.exceptions import ManifestError
from image_metadata.extract import ExtractSettings
from image_metadata.fetch.clients import FetchSettings
from image_metadata.job import pipeline
from image_metadata.schema import FAILURES_COLUMNS, IMAGES_COLUMNS, RUNS_COLUMNS, names

pytestmark = pytest.mark.spark
BUCKET = "pipeline-images"
SETTINGS = ExtractSettings(
    concurrency=4, allow_local_files=True,
    fetch=FetchSettings(retries=1, backoff_factor=0.01, backoff_max=0.05,
                        allow_private_networks=True),  # the test server is on 127.0.0.1
)


@pytest.fixture(scope="module")
def sources(tmp_path_factory, s3, http_server) -> dict[str, str]:
    """Eight distinct URLs over three schemes: five readable, three failing."""
    folder = tmp_path_factory.mktemp("local-images")
    s3.create_bucket(Bucket=BUCKET)
    paris = samples.exif_bytes(make="Canon", model="EOS R5", place=samples.PLACES["paris"])
    s3.put_object(Bucket=BUCKET, Key="paris.jpg", Body=samples.encode("JPEG", (320, 240),
                                                                        exif=paris))
    s3.put_object(Bucket=BUCKET, Key="broken.jpg", Body=b"\xff\xd8\xff\xe0garbage")
    rio = samples.exif_bytes(make="NIKON", model="Z 6", place=samples.PLACES["rio"])
    http_server.files["/pipeline/rio.jpg"] = samples.encode("JPEG", (240, 320), exif=rio)
    http_server.files["/pipeline/sydney.png"] = samples.png_with_exif_after_idat(
        (30, 20), samples.exif_bytes(place=samples.PLACES["sydney"]))
    (folder / "dead_sea.tiff").write_bytes(samples.encode(
        "TIFF", (16, 12), exif=samples.exif_bytes(place=samples.PLACES["dead_sea"])))
    (folder / "plain.gif").write_bytes(samples.encode("GIF", (9, 9), mode="P"))
    return {
        "paris": f"s3://{BUCKET}/paris.jpg",
        "broken": f"s3://{BUCKET}/broken.jpg",
        "missing": f"s3://{BUCKET}/missing.jpg",
        "rio": http_server.url("pipeline/rio.jpg"),
        "sydney": http_server.url("pipeline/sydney.png"),
        "gone": http_server.url("pipeline/gone.jpg"),
        "dead_sea": str(folder / "dead_sea.tiff"),
        "gif": f"file://{folder / 'plain.gif'}",
    }


def write_manifest(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "url"])
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def first_run(spark, sources, tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    rows = [(f"id-{name}", url) for name, url in sources.items()]
    rows += [("dup-1", sources["paris"]), ("dup-2", sources["rio"]), ("blank-1", "  "),
             ("blank-2", "")]
    manifest = write_manifest(folder / "manifest.csv", rows)
    output = folder / "out"
    config = pipeline.RunConfig(str(manifest), str(output), run_id="run-a", extract=SETTINGS)
    summary = pipeline.run(spark, config)
    return summary, output, manifest


def read(output: Path, dataset: str) -> list[dict]:
    table = ds.dataset(output / dataset, format="parquet", partitioning="hive").to_table()
    return table.to_pylist()


def test_the_capture_time_is_written_as_a_wall_clock_and_its_instant_as_utc(first_run):
    _summary, output, _ = first_run
    schema = ds.dataset(output / "images", format="parquet", partitioning="hive").schema
    # isAdjustedToUTC=false: readers in any zone show the camera's clock as it was.
    assert schema.field("datetime_original").type.tz is None
    assert schema.field("datetime_original_utc").type.tz == "UTC"


def test_every_input_row_is_accounted_for(first_run):
    summary, _, _ = first_run
    assert summary["input_rows"] == 12
    assert (summary["blank"], summary["duplicates"], summary["distinct_urls"]) == (2, 2, 8)
    assert (summary["succeeded"], summary["failed"]) == (5, 3)
    assert summary["succeeded"] + summary["failed"] + summary["duplicates"] + summary["blank"] \
        == summary["input_rows"]
    assert summary["accounted"] is True


def test_failures_are_classified_by_error_type(first_run):
    summary, output, _ = first_run
    assert summary["failed_by_error_type"] == {"corrupt_image": 1, "not_found": 2}
    failures = {row["id"]: row for row in read(output, "failures")}
    assert failures["id-missing"]["http_status"] == 404
    assert failures["id-gone"]["stage"] == "fetch"
    assert failures["id-broken"]["stage"] == "decode"


def test_outputs_have_exactly_the_contract_columns(first_run):
    _, output, _ = first_run
    images = ds.dataset(output / "images", format="parquet", partitioning="hive").schema
    failures = ds.dataset(output / "failures", format="parquet", partitioning="hive").schema
    assert images.names == [*names(IMAGES_COLUMNS), "dt"]
    assert failures.names == [*names(FAILURES_COLUMNS), "dt"]


def test_images_carry_ids_positions_and_the_run_id(first_run):
    _, output, _ = first_run
    images = {row["id"]: row for row in read(output, "images")}
    assert set(images) == {"id-paris", "id-rio", "id-sydney", "id-dead_sea", "id-gif"}
    assert images["id-rio"]["gps_latitude"] == pytest.approx(-22.951917, abs=1e-6)
    assert images["id-dead_sea"]["gps_altitude"] == pytest.approx(-430.5)
    assert images["id-sydney"]["format"] == "PNG"
    assert dict(images["id-paris"]["exif"])["Make"] == "Canon"  # pyarrow maps: pairs
    assert {row["run_id"] for row in images.values()} == {"run-a"}


def test_each_distinct_url_is_fetched_once(first_run, http_server):
    # rio appears twice in the manifest; two datasets and the summary are written.
    assert http_server.count("pipeline/rio.jpg") == 1
    assert http_server.count("pipeline/sydney.png") == 1
    assert http_server.count("pipeline/gone.jpg") == 1


def test_run_summary_is_written_under_runs(first_run):
    summary, output, _ = first_run
    text = (output / "runs" / "run-a.json").read_text()
    assert text.count("\n") == 1  # one JSON object per line, as Athena reads it
    stored = json.loads(text)
    assert list(stored) == names(RUNS_COLUMNS)
    assert stored["input_rows"] == summary["input_rows"] == 12
    assert not (output / "_staging").exists()


def test_same_run_id_replaces_and_new_run_id_accumulates(spark, first_run):
    _, output, manifest = first_run
    again = pipeline.RunConfig(str(manifest), str(output), run_id="run-a", extract=SETTINGS)
    pipeline.run(spark, again)
    assert len(read(output, "images")) == 5
    assert len(read(output, "failures")) == 3
    other = pipeline.RunConfig(str(manifest), str(output), run_id="run-b", extract=SETTINGS)
    pipeline.run(spark, other)
    rows = read(output, "images")
    assert sorted({r["run_id"] for r in rows}) == ["run-a", "run-b"]
    assert len(rows) == 10


def test_manifest_without_url_column_stops_before_spark_work(spark, tmp_path):
    manifest = tmp_path / "bad.csv"
    manifest.write_text("name,link\na,http://x/y.jpg\n")
    with pytest.raises(ManifestError, match=r"no 'url' column.*'name', 'link'"):
        pipeline.run(spark, pipeline.RunConfig(str(manifest), str(tmp_path / "out")))
    assert not (tmp_path / "out").exists()


def test_folder_of_mixed_manifests_is_read_as_one(spark, sources, tmp_path):
    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / "a.tsv").write_text(f"url\tid\n{sources['rio']}\tr1\n")
    (folder / "b.txt").write_text(f"{sources['paris']}\n{sources['rio']}\n")
    (folder / "_ignored.csv").write_text("not,a,manifest\n")
    summary = pipeline.run(spark, pipeline.RunConfig(str(folder), str(tmp_path / "out"),
                                                     run_id="folder", extract=SETTINGS))
    assert (summary["input_rows"], summary["duplicates"], summary["succeeded"]) == (3, 1, 2)
    ids = {row["id"] for row in read(tmp_path / "out", "images")}
    assert ids == {"r1", None}


def test_rerunning_a_run_id_leaves_runs_with_longer_ids_alone(spark, sources, tmp_path):
    manifest = write_manifest(tmp_path / "m.csv", [("a", sources["gif"])])
    output = tmp_path / "out"
    for run_id in ("batch-7-2", "batch-7", "batch-7"):
        pipeline.run(spark, pipeline.RunConfig(str(manifest), str(output), run_id=run_id,
                                               extract=SETTINGS))
    assert sorted(r["run_id"] for r in read(output, "images")) == ["batch-7", "batch-7-2"]


def test_manifest_files_whose_names_look_like_globs_are_each_read_once(spark, sources,
                                                                       tmp_path):
    """Spark expands '[1]', '{a,b}', '*' and '?' in paths: 'm[1].csv' must not read 'm1.csv'."""
    folder = tmp_path / "odd names"
    folder.mkdir()
    names = ["m[1].csv", "m1.csv", "a{b,c}.csv", "ab.csv", "x?.csv", "x*.csv", "pct%20 1.csv",
             "back\\slash.csv"]
    picked = ["paris", "rio", "sydney", "gif", "dead_sea", "broken", "gone", "missing"]
    for name, source in zip(names, picked, strict=True):
        write_manifest(folder / name, [(name, sources[source])])
    summary = pipeline.run(spark, pipeline.RunConfig(str(folder), str(tmp_path / "out"),
                                                     run_id="globs", extract=SETTINGS))
    assert (summary["input_rows"], summary["duplicates"], summary["distinct_urls"]) == (8, 0, 8)
    read_ids = {r["id"] for r in read(tmp_path / "out", "images")} | {
        r["id"] for r in read(tmp_path / "out", "failures")}
    assert read_ids == set(names)


def test_a_run_leaves_no_staging_behind(spark, sources, tmp_path):
    manifest = write_manifest(tmp_path / "m.csv", [("a", sources["gif"])])
    pipeline.run(spark, pipeline.RunConfig(str(manifest), str(tmp_path / "out"),
                                           run_id="tidy", extract=SETTINGS))
    assert not (tmp_path / "out" / "_staging").exists()


def test_two_runs_given_one_run_id_at_once_do_not_break_each_other(spark, sources, tmp_path):
    """Each attempt stages in its own folder; the run id's rows are those of whichever
    committed last, or both, never none."""
    from concurrent.futures import ThreadPoolExecutor

    output = tmp_path / "out"
    halves = [write_manifest(tmp_path / "a.csv", [("a", sources["paris"])]),
              write_manifest(tmp_path / "b.csv", [("b", sources["gif"])])]
    with ThreadPoolExecutor(2) as pool:
        summaries = list(pool.map(lambda m: pipeline.run(spark, pipeline.RunConfig(
            str(m), str(output), run_id="same", extract=SETTINGS)), halves))
    assert [(s["succeeded"], s["accounted"]) for s in summaries] == [(1, True), (1, True)]
    ids = [r["id"] for r in read(output, "images")]
    assert ids and set(ids) <= {"a", "b"} and len(ids) == len(set(ids))
    assert not (output / "_staging").exists()


def _with_xmp(jpeg: bytes, xmp: str) -> bytes:
    """The JPEG with an XMP APP1 segment right after SOI."""
    import struct

    payload = b"http://ns.adobe.com/xap/1.0/\x00" + xmp.encode()
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


OLD_XMP = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
           '22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
           'exif:DateTimeOriginal="0800-06-15T12:00:00"/></rdf:RDF></x:xmpmeta>')


def test_dates_before_1900_are_written_as_given(spark, http_server, tmp_path):
    """Historic scans: EXIF 1899/1600/1500, a GPS date in year 1000, XMP in 0800 and a web
    server's Last-Modified in 1500 used to fail the whole run (Spark's ancient-date check)."""
    import datetime as dt

    files = {
        "1899": samples.encode("JPEG", (8, 8), exif=samples.exif_bytes(when="1899:12:31 23:59:59")),
        "1600": samples.encode("JPEG", (8, 8), exif=samples.exif_bytes(
            when="1600:02:29 06:00:00", place=samples.PLACES["paris"],
            gps_when="1000:01:01 12:00:00")),
        "1500": samples.encode("JPEG", (8, 8), exif=samples.exif_bytes(when="1500:03:01 00:00:00")),
        "0800": _with_xmp(samples.encode("JPEG", (8, 8)), OLD_XMP),
    }
    rows = []
    for name, data in files.items():
        http_server.files[f"/old/{name}.jpg"] = data
        rows.append((name, http_server.url(f"old/{name}.jpg")))
    http_server.headers["/old/1500.jpg"] = {"Last-Modified": "Sat, 01 Jan 1500 00:00:00 GMT"}
    manifest = write_manifest(tmp_path / "old.csv", rows)
    summary = pipeline.run(spark, pipeline.RunConfig(str(manifest), str(tmp_path / "out"),
                                                     run_id="old", extract=SETTINGS))
    assert (summary["succeeded"], summary["accounted"]) == (4, True)
    images = {r["id"]: r for r in read(tmp_path / "out", "images")}
    utc = dt.UTC
    # The capture time is a wall clock (TIMESTAMP_NTZ): read back without a zone.
    assert images["1899"]["datetime_original"] == dt.datetime(1899, 12, 31, 23, 59, 59)
    assert images["1600"]["datetime_original"] == dt.datetime(1600, 2, 29, 6)
    assert images["1600"]["gps_timestamp"] == dt.datetime(1000, 1, 1, 12, tzinfo=utc)
    assert images["1500"]["last_modified"] == dt.datetime(1500, 1, 1, tzinfo=utc)
    assert images["0800"]["datetime_original"] == dt.datetime(800, 6, 15, 12)
