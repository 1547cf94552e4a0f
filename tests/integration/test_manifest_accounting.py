"""Every row accounted for, held against an independent count: a folder of hostile manifests
through the Spark job, its summary compared with what Python's csv module (for CSVs) and a
plain split on line ends (for lists) count in the same files."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from image_metadata.extract import ExtractSettings
from image_metadata.job import pipeline

pytestmark = pytest.mark.spark
U = "http://127.0.0.1:9"  # blocked_address: every row fails at once, nothing is contacted

# name -> bytes; ".csv" files have a header with a 'url' column, ".txt" files are lists.
HOSTILE = {
    "nel.txt": f"{U}/1.jpg\u0085{U}/2.jpg\n{U}/3.jpg\n".encode(),
    "line-separator.txt": f"url\n{U}/4.jpg\u2028{U}/5.jpg\n{U}/6.jpg\n".encode(),
    "form-feed.csv": f"id,url\n\x0c1,{U}/7.jpg\n2,{U}/8.jpg\n".encode(),
    "quoted-break.csv": f'id,url\n"a\nb",{U}/9.jpg\n"c",{U}/10.jpg\n'.encode(),
    "wide-row.csv": (f"url,id\n{U}/11.jpg,x" + "," * 25_000 + "\n").encode(),
    # More values than the header: the row fails as a whole, its text the failure's URL.
    "unquoted-comma.csv": f"id,url\n1,{U}/26.jpg?crop=a,b\n2,{U}/27.jpg\n".encode(),
    "narrow-nbsp.csv": f"url\n{U}/12.jpg\n\u202f{U}/12.jpg\n{U}/12.jpg\u202f\n".encode(),
    "query-commas.txt": f"{U}/13.jpg?crop=faces,edges\n{U}/14.jpg?c=1,2\n".encode(),
    "header-word-row.txt": f"url\n{U}/15.jpg\nurl\n".encode(),
    "schemeless-first.txt": f"h.invalid/16.jpg\n{U}/17.jpg\n".encode(),
    "mixed-ends.csv": f"url\r\n{U}/18.jpg\r{U}/19.jpg\n{U}/20.jpg\r\n".encode(),
    "blank-lines.csv": f"url,id\n\n{U}/21.jpg,1\n  \n,2\n{U}/22.jpg,3\n".encode(),
    "bom.csv": f"\ufeffurl\n{U}/23.jpg\n".encode(),
    "crlf-in-quotes.csv": f'url,note\r\n{U}/24.jpg,"x\r\ny"\r\n{U}/25.jpg,z\r\n'.encode(),
}


def reference_rows(name: str, data: bytes) -> list[str]:
    """The URLs of ``data`` as an independent reader sees them (trimmed, blanks as '')."""
    text = data.decode("utf-8-sig")
    if name.endswith(".txt"):
        lines = re.split(r"\r\n|\r|\n", text)
        if lines and lines[-1] == "":
            lines.pop()
        values = [line.strip() for line in lines]
        return values[1:] if values and values[0] == "url" else values
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader)]
    index = header.index("url")
    return [",".join(row) if any(v.strip() for v in row[len(header):]) else
            (row[index] if index < len(row) else "").strip() for row in reader]


@pytest.fixture(scope="module")
def hostile_run(spark, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile") / "manifests"
    folder.mkdir()
    for name, data in HOSTILE.items():
        (folder / name).write_bytes(data)
    output = folder.parent / "out"
    summary = pipeline.run(spark, pipeline.RunConfig(str(folder), str(output), run_id="hostile",
                                                     extract=ExtractSettings()))
    return summary, output


def test_the_summary_equals_an_independent_count_of_the_rows(hostile_run):
    summary, _output = hostile_run
    expected = [url for name in sorted(HOSTILE) for url in reference_rows(name, HOSTILE[name])]
    blank = expected.count("")
    distinct = {url for url in expected if url}
    assert (summary["input_rows"], summary["blank"], summary["distinct_urls"]) == (
        len(expected), blank, len(distinct))
    assert summary["duplicates"] == len(expected) - blank - len(distinct)
    assert summary["accounted"] is True


def test_every_row_ends_as_exactly_one_result_row(hostile_run):
    _summary, output = hostile_run
    found = [r["url"] for d in ("images", "failures") if (output / d).exists()
             for r in ds.dataset(output / d, partitioning="hive").to_table().to_pylist()]
    expected = {url for name in HOSTILE for url in reference_rows(name, HOSTILE[name]) if url}
    assert sorted(found) == sorted(expected)


def test_an_unclosed_quote_costs_one_row_and_the_rest_are_read(spark, tmp_path):
    """Here the csv module would swallow every later line into one field: the run gives the
    opening line a failure row of its own and reads the others."""
    manifest = tmp_path / "unclosed.csv"
    manifest.write_bytes(f'id,url\n1,"{U}/a.jpg\n2,{U}/b.jpg\n3,{U}/c.jpg\n'.encode())
    summary = pipeline.run(spark, pipeline.RunConfig(str(manifest), str(tmp_path / "out"),
                                                     run_id="unclosed",
                                                     extract=ExtractSettings()))
    assert (summary["input_rows"], summary["accounted"]) == (3, True)
    assert summary["failed_by_error_type"] == {"invalid_url": 1, "blocked_address": 2}
    failures = ds.dataset(tmp_path / "out" / "failures", partitioning="hive").to_table()
    (broken,) = [r for r in failures.to_pylist() if r["error_type"] == "invalid_url"]
    assert broken["error_message"] == (
        "manifest line 2: a quoted field opened here is never closed")
    assert broken["stage"] == "manifest"


def test_a_local_path_and_its_file_url_are_one_image(spark, tmp_path):
    """('/a/./x.gif' stays another value: '..' through a symbolic link is another file)"""
    image = tmp_path / "x.gif"
    from image_metadata import samples

    image.write_bytes(samples.encode("GIF", (4, 4), mode="P"))
    manifest = tmp_path / "same.txt"
    manifest.write_text(f"{image}\nfile://{image}\n{tmp_path}/./x.gif\n")
    summary = pipeline.run(spark, pipeline.RunConfig(
        str(manifest), str(tmp_path / "out"), run_id="same",
        extract=ExtractSettings(allow_local_files=True)))
    assert (summary["distinct_urls"], summary["duplicates"], summary["succeeded"]) == (2, 1, 2)
    rows = ds.dataset(tmp_path / "out" / "images", partitioning="hive").to_table().to_pylist()
    assert sorted(r["url"] for r in rows) == sorted([str(image), f"{tmp_path}/./x.gif"])


def test_a_manifest_in_another_encoding_stops_the_run_naming_the_byte(spark, tmp_path):
    from image_metadata.exceptions import ManifestError

    manifest = tmp_path / "latin1.txt"
    manifest.write_bytes(f"{U}/caf\u00e9.jpg\n{U}/caf\u00e8.jpg\n".encode("latin-1"))
    with pytest.raises(ManifestError, match=r"not valid utf-8 at byte 22 \(line 1"):
        pipeline.run(spark, pipeline.RunConfig(str(manifest), str(tmp_path / "out")))
    summary = pipeline.run(spark, pipeline.RunConfig(
        str(manifest), str(tmp_path / "out"), run_id="latin1", encoding="latin-1"))
    assert (summary["distinct_urls"], summary["accounted"]) == (2, True)


def test_staged_manifest_rows_leave_no_trace(hostile_run):
    _summary, output = hostile_run
    assert not (Path(output) / "_staging").exists()


def test_broken_records_are_each_a_row_of_their_own(spark, tmp_path):
    """Two different 70,000-character lines share their first 2,000 characters."""
    manifest = tmp_path / "long.txt"
    manifest.write_text(f"{U}/ok.jpg\n" + f"{U}/{'a' * 70_000}1\n" + f"{U}/{'a' * 70_000}2\n")
    summary = pipeline.run(spark, pipeline.RunConfig(str(manifest), str(tmp_path / "out"),
                                                     run_id="long", extract=ExtractSettings()))
    assert (summary["input_rows"], summary["duplicates"], summary["failed"]) == (3, 0, 3)
    assert summary["failed_by_error_type"] == {"invalid_url": 2, "blocked_address": 1}
