"""Runs without a manifest: the images under an S3 prefix (a moto server) or a local folder,
chosen by extension and globs, each image a row whose id is its key; and gzip manifests of
bucket and key columns, as lakes export them."""

from __future__ import annotations

import gzip
import logging

import pyarrow.dataset as ds
import pytest

from image_metadata import samples
from image_metadata.exceptions import ManifestError
from image_metadata.extract import ExtractSettings
from image_metadata.fetch.clients import FetchSettings
from image_metadata.job import listing, pipeline

pytestmark = pytest.mark.spark
BUCKET = "listed-lake"
SETTINGS = ExtractSettings(concurrency=4, allow_local_files=True,
                           fetch=FetchSettings(retries=1, backoff_factor=0.01))
KEYS = {
    "photos/2024/01/a.jpg": ("JPEG", (32, 24)),
    "photos/2024/02/b.PNG": ("PNG", (20, 10)),
    "photos/2024/02/c.heic": None,  # not an image at all, despite its name: a failure row
    "photos/readme.txt": None,
    "photos/thumbs/a_thumb.jpg": ("JPEG", (8, 6)),
    "photos-old/d.jpg": ("JPEG", (4, 4)),  # beside the prefix, not under it
    "other/e.jpg": ("JPEG", (4, 4)),
}


@pytest.fixture(scope="module")
def lake(s3):
    s3.create_bucket(Bucket=BUCKET)
    for key, image in KEYS.items():
        body = samples.encode(*image) if image else b"plain text, not an image"
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    s3.put_object(Bucket=BUCKET, Key="photos/empty-folder/", Body=b"")
    return s3


def _rows(output, dataset: str) -> list[dict]:
    return ds.dataset(output / dataset, format="parquet", partitioning="hive").to_table(
    ).to_pylist()


def test_a_prefix_is_listed_page_by_page_and_only_images_under_it_are_kept(lake):
    lake_client = lake
    found = list(listing.listed(f"s3://{BUCKET}/photos", s3_client=lake_client))
    assert [f.id for f in found] == ["photos/2024/01/a.jpg", "photos/2024/02/b.PNG",
                                     "photos/2024/02/c.heic", "photos/thumbs/a_thumb.jpg"]
    first = found[0]
    head = lake_client.head_object(Bucket=BUCKET, Key=first.id)
    assert (first.size, first.etag) == (head["ContentLength"], head["ETag"].strip('"'))
    assert first.last_modified == head["LastModified"]


def test_a_listing_of_more_keys_than_a_page_holds_misses_none(s3):
    s3.create_bucket(Bucket="many-keys")
    for i in range(1_105):  # S3 returns 1,000 keys a page
        s3.put_object(Bucket="many-keys", Key=f"p/{i:05d}.jpg", Body=b"x")
    found = [f.id for f in listing.listed("s3://many-keys/p/", s3_client=s3)]
    assert found == [f"p/{i:05d}.jpg" for i in range(1_105)]


def test_a_run_over_a_prefix_reads_every_listed_image_once(spark, lake, tmp_path):
    output = tmp_path / "out"
    config = pipeline.RunConfig("", str(output), run_id="listed", extract=SETTINGS,
                                images=f"s3://{BUCKET}/photos/",
                                exclude=("*_thumb.jpg",))
    summary = pipeline.run(spark, config)
    counts = ("input_rows", "succeeded", "failed", "accounted")
    assert tuple(summary[c] for c in counts) == (3, 2, 1, True)
    assert summary["manifest"] == f"s3://{BUCKET}/photos/"
    images = {r["id"]: r for r in _rows(output, "images")}
    assert {k: (r["format"], r["width"]) for k, r in images.items()} == {
        "photos/2024/01/a.jpg": ("JPEG", 32), "photos/2024/02/b.PNG": ("PNG", 20)}
    assert images["photos/2024/01/a.jpg"]["url"] == f"s3://{BUCKET}/photos/2024/01/a.jpg"
    (failure,) = _rows(output, "failures")
    assert (failure["id"], failure["error_type"]) == ("photos/2024/02/c.heic",
                                                      "not_an_image")


def test_a_run_over_a_local_folder_reads_its_images_recursively(spark, tmp_path):
    folder = tmp_path / "photos"
    (folder / "trip" / ".cache").mkdir(parents=True)
    (folder / "trip" / "a.jpg").write_bytes(samples.encode("JPEG", (12, 9)))
    (folder / "trip" / ".cache" / "b.jpg").write_bytes(samples.encode("JPEG", (5, 5)))
    (folder / "c.gif").write_bytes(samples.encode("GIF", (7, 7), mode="P"))
    (folder / "notes.md").write_text("not listed")
    config = pipeline.RunConfig("", str(tmp_path / "out"), run_id="folder", extract=SETTINGS,
                                images=str(folder))
    summary = pipeline.run(spark, config)
    assert (summary["input_rows"], summary["succeeded"]) == (2, 2)
    assert sorted(r["id"] for r in _rows(tmp_path / "out", "images")) == ["c.gif",
                                                                         "trip/a.jpg"]


def test_a_prefix_holding_no_image_stops_the_run_with_the_include_hint(spark, lake, tmp_path):
    config = pipeline.RunConfig("", str(tmp_path / "out"), extract=SETTINGS,
                                images=f"s3://{BUCKET}/nothing-here/")
    with pytest.raises(ManifestError, match="nothing listed there has an image extension"):
        pipeline.run(spark, config)


def test_a_gzip_manifest_of_buckets_and_keys_on_s3_is_a_manifest(spark, lake, tmp_path):
    text = f"bucket,key\n{BUCKET},photos/2024/01/a.jpg\n{BUCKET},other/e.jpg\n"
    lake.put_object(Bucket=BUCKET, Key="exports/m.csv.gz", Body=gzip.compress(text.encode()))
    config = pipeline.RunConfig(f"s3://{BUCKET}/exports/m.csv.gz", str(tmp_path / "out"),
                                extract=SETTINGS)
    summary = pipeline.run(spark, config)
    assert (summary["input_rows"], summary["succeeded"]) == (2, 2)
    assert sorted(r["url"] for r in _rows(tmp_path / "out", "images")) == [
        f"s3://{BUCKET}/other/e.jpg", f"s3://{BUCKET}/photos/2024/01/a.jpg"]


def test_a_prefix_of_many_folders_is_listed_in_the_executors(spark, s3, tmp_path, caplog):
    s3.create_bucket(Bucket="wide-lake")
    for day in range(12):  # 12 folders: more than the driver lists itself
        for i in range(3):
            s3.put_object(Bucket="wide-lake", Key=f"cams/2026-11-{day + 1:02d}/{i}.jpg",
                          Body=samples.encode("JPEG", (8 + i, 8)))
        s3.put_object(Bucket="wide-lake", Key=f"cams/2026-11-{day + 1:02d}/log.txt", Body=b"x")
    s3.put_object(Bucket="wide-lake", Key="cams/top.jpg", Body=samples.encode("JPEG", (5, 5)))
    output = tmp_path / "out"
    config = pipeline.RunConfig("", str(output), run_id="wide", extract=SETTINGS,
                                images="s3://wide-lake/cams")
    with caplog.at_level(logging.INFO, logger="image_metadata.job.inputs"):
        summary = pipeline.run(spark, config)
    assert "listing 12 folders in Spark tasks" in caplog.text
    assert (summary["input_rows"], summary["succeeded"], summary["accounted"]) == (37, 37, True)
    ids = {r["id"] for r in _rows(output, "images")}
    assert "cams/top.jpg" in ids and "cams/2026-11-12/2.jpg" in ids
    assert not any(i.endswith(".txt") for i in ids)


def test_a_flat_prefix_is_not_held_on_the_driver_to_look_for_folders(s3, monkeypatch):
    from image_metadata.job import distributed_listing

    s3.create_bucket(Bucket="flat-lake")
    for i in range(5):
        s3.put_object(Bucket="flat-lake", Key=f"all/{i}.jpg", Body=b"x")
    monkeypatch.setattr(distributed_listing, "MAX_DIRECT", 3)
    assert distributed_listing.first_level("s3://flat-lake/all/", listing.Filter(),
                                           s3_client=s3) is None
