"""Manifests as lakes hold them: gzip-compressed, or with bucket and key columns instead of
URLs; and a folder of images staged as manifest rows."""

from __future__ import annotations

import gzip
import os
import random
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from image_metadata.exceptions import ManifestError
from image_metadata.job import inputs
from image_metadata.job.manifest import HEAD_BYTES, inspect, read_rows
from image_metadata.job.settings import RunConfig


def _rows(path: Path) -> list[tuple[str, str | None, str | None]]:
    return [(r.url, r.id, r.problem) for f in inspect(str(path)) for r in read_rows(f)]


def _urls(count: int) -> str:
    return "".join(f"https://h.example/{i}.jpg,{i}\n" for i in range(count))


@pytest.mark.parametrize("name", ["m.csv.gz", "m.csv", "m.bin"])
def test_a_gzip_manifest_is_read_as_its_text_whatever_its_name(tmp_path, name):
    text = "url,id\n" + _urls(3)
    (tmp_path / "plain.csv").write_text(text)
    (tmp_path / name).write_bytes(gzip.compress(text.encode()))
    assert _rows(tmp_path / name) == _rows(tmp_path / "plain.csv")


def test_a_gzip_manifest_longer_than_the_sniffed_head_keeps_every_row(tmp_path):
    # Random ids compress badly, so the head's compressed bytes hold less than the head.
    rng = random.Random(7)
    text = "url,id\n" + "".join(f"https://h.example/{i}.jpg,{rng.getrandbits(64):x}\n"
                                for i in range(40_000))
    assert len(text) > 10 * HEAD_BYTES
    (tmp_path / "m.csv.gz").write_bytes(gzip.compress(text.encode()))
    (fmt,) = inspect(str(tmp_path / "m.csv.gz"))
    assert (fmt.format.kind, fmt.format.header) == ("csv", True)
    rows = list(read_rows(fmt))
    assert len(rows) == 40_000 and rows[-1].url == "https://h.example/39999.jpg"


def test_gzip_members_one_after_another_are_one_manifest(tmp_path):
    head, tail = "url\nhttps://h/1.jpg\n", "https://h/2.jpg\n"
    (tmp_path / "m.txt.gz").write_bytes(gzip.compress(head.encode()) +
                                        gzip.compress(tail.encode()))
    assert [u for u, _, _ in _rows(tmp_path / "m.txt.gz")] == ["https://h/1.jpg",
                                                              "https://h/2.jpg"]


def test_a_gzip_manifest_cut_short_is_refused_not_read_in_part(tmp_path):
    data = gzip.compress(("url\n" + _urls(20_000)).encode())
    (tmp_path / "m.csv.gz").write_bytes(data[: len(data) // 2])
    (fmt,) = inspect(str(tmp_path / "m.csv.gz"))
    with pytest.raises(ManifestError, match=r"cut short.*gzip -t"):
        list(read_rows(fmt))


def test_gzip_data_that_is_not_deflate_is_refused(tmp_path):
    (tmp_path / "m.csv.gz").write_bytes(b"\x1f\x8b\x08\x00" + bytes(6) + b"not deflate at all")
    with pytest.raises(ManifestError, match="not valid gzip data"):
        inspect(str(tmp_path / "m.csv.gz"))


def test_a_manifest_of_buckets_and_keys_names_s3_objects(tmp_path):
    (tmp_path / "m.csv").write_text('bucket,key,size\nlake,photos/a b.jpg,10\n'
                                    ',,0\n,photos/c.jpg,3\n')
    assert _rows(tmp_path / "m.csv") == [
        ("s3://lake/photos/a b.jpg", None, None),
        ("", None, None),  # neither: a blank row
        ("photos/c.jpg", None, "manifest line 4: a key without a bucket"),
    ]


def test_a_url_column_wins_over_bucket_and_key_columns(tmp_path):
    (tmp_path / "m.csv").write_text("bucket,key,url\nlake,a.jpg,https://h/x.jpg\n")
    assert _rows(tmp_path / "m.csv") == [("https://h/x.jpg", None, None)]


def test_a_folder_of_images_is_staged_as_rows_whose_id_is_the_path_below_it(tmp_path):
    images = tmp_path / "photos"
    (images / "2024").mkdir(parents=True)
    for name in ("2024/a.jpg", "b.png", "notes.txt"):
        (images / name).write_bytes(b"x")
    config = RunConfig(manifest="", output=str(tmp_path / "out"), images=str(images))
    assert inputs.check(config) == []
    staged = inputs.stage(config, [], str(tmp_path / "staged"))
    table = pq.read_table(tmp_path / "staged")
    assert staged.input_rows == 2
    assert table.column("id").to_pylist() == ["b.png", "2024/a.jpg"]
    assert table.column("url").to_pylist() == [str(images / "b.png"),
                                               str(images / "2024" / "a.jpg")]


def test_a_folder_with_no_image_is_refused_with_the_include_hint(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    config = RunConfig(manifest="", output=str(tmp_path / "out"), images=str(tmp_path))
    with pytest.raises(ManifestError, match="nothing listed there has an image extension "
                                            r"\(use --include"):
        inputs.stage(config, [], str(tmp_path / "staged"))


def test_the_key_named_as_the_url_column_goes_with_its_bucket(tmp_path):
    (tmp_path / "m.csv").write_text("bucket,key\nlake,a.jpg\n")
    (fmt,) = inspect(str(tmp_path / "m.csv"), url_column="key")
    assert [r.url for r in read_rows(fmt)] == ["s3://lake/a.jpg"]


def test_a_url_column_asked_for_and_missing_is_refused_even_beside_bucket_and_key(tmp_path):
    (tmp_path / "m.csv").write_text("bucket,key\nlake,a.jpg\n")
    with pytest.raises(ManifestError, match="has no 'image_url' column"):
        inspect(str(tmp_path / "m.csv"), url_column="image_url")


def test_a_key_is_kept_as_written_and_a_bucket_without_a_key_is_a_problem(tmp_path):
    (tmp_path / "m.csv").write_text('bucket,key\nlake," lead.jpg "\nlake,\n')
    assert _rows(tmp_path / "m.csv") == [
        ("s3://lake/ lead.jpg ", None, None),
        ("s3://lake/", None, "manifest line 3: a bucket without a key")]


def test_data_after_the_gzip_stream_is_refused_even_a_single_byte(tmp_path):
    (tmp_path / "m.txt.gz").write_bytes(gzip.compress(b"url\nhttps://h/1.jpg\n") + b"x")
    (fmt,) = inspect(str(tmp_path / "m.txt.gz"))
    with pytest.raises(ManifestError, match="data after its gzip stream"):
        list(read_rows(fmt))


def test_zero_padding_after_the_gzip_stream_is_allowed(tmp_path):
    (tmp_path / "m.txt.gz").write_bytes(gzip.compress(b"url\nhttps://h/1.jpg\n") + bytes(7))
    assert [u for u, _, _ in _rows(tmp_path / "m.txt.gz")] == ["https://h/1.jpg"]


def test_a_manifest_folder_with_a_subfolder_that_cannot_be_listed_is_refused(tmp_path,
                                                                               monkeypatch):
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.txt").write_text("https://h/1.jpg\n")
    (tmp_path / "locked").mkdir()
    real = os.scandir

    def scandir(path="."):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(ManifestError, match=r"cannot list manifest folder .*locked"):
        inspect(str(tmp_path))
