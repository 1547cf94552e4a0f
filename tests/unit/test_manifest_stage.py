"""manifest_stage.py: every manifest row, parsed once on the driver, staged as Parquet with
the key that decides duplicates; the counts are those of the rows staged."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from image_metadata.job.manifest import inspect
from image_metadata.job.manifest_stage import SCHEMA, stage


def staged(tmp_path: Path, text: str, name: str = "m.csv", **kwargs):
    manifest = tmp_path / name
    manifest.write_text(text)
    result = stage(inspect(str(manifest)), str(tmp_path / "staged"), **kwargs)
    table = pq.read_table(tmp_path / "staged")
    return result, table


def test_every_row_is_staged_with_its_key_and_its_place(tmp_path):
    result, table = staged(tmp_path, "url,id\nHTTP://H/a.jpg,1\n,2\nhttps://h/b.jpg?,3\n")
    assert (result.input_rows, result.blank, result.files) == (3, 1, 1)
    assert table.schema == SCHEMA
    assert table.column("url").to_pylist() == ["HTTP://H/a.jpg", "", "https://h/b.jpg?"]
    assert table.column("id").to_pylist() == ["1", "2", "3"]
    assert table.column("key").to_pylist() == ["http://h/a.jpg", "", "https://h/b.jpg?"]
    assert table.column("position").to_pylist() == [0, 1, 2]
    assert table.column("problem").to_pylist() == [None, None, None]


def test_a_broken_record_is_a_row_of_its_own_that_duplicates_nothing(tmp_path):
    _result, table = staged(tmp_path, 'url,id\n"https://h/a.jpg,1\nhttps://h/b.jpg,2\n')
    problems = table.column("problem").to_pylist()
    keys = table.column("key").to_pylist()
    broken = [i for i, problem in enumerate(problems) if problem is not None]
    assert broken and all(keys[i] == f"\x00record {i}" for i in broken)


def test_rows_are_written_in_batches_of_the_size_asked_for(tmp_path):
    urls = "".join(f"https://h/{i}.jpg\n" for i in range(5))
    result, table = staged(tmp_path, urls, "m.txt", batch_rows=2)
    assert (result.input_rows, result.files, result.path) == (5, 3, str(tmp_path / "staged"))
    assert sorted(p.name for p in (tmp_path / "staged").iterdir()) == [
        "part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert sorted(table.column("position").to_pylist()) == [0, 1, 2, 3, 4]


def test_positions_run_on_across_the_files_of_a_folder(tmp_path):
    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / "a.txt").write_text("https://h/1.jpg\nhttps://h/2.jpg\n")
    (folder / "b.txt").write_text("https://h/3.jpg\n")
    result = stage(inspect(str(folder)), str(tmp_path / "staged"))
    table = pq.read_table(tmp_path / "staged")
    assert result.input_rows == 3
    assert dict(zip(table.column("url").to_pylist(), table.column("position").to_pylist(),
                    strict=True)) == {"https://h/1.jpg": 0, "https://h/2.jpg": 1,
                                      "https://h/3.jpg": 2}


def test_a_staging_folder_named_as_a_file_url_is_the_local_folder(tmp_path):
    manifest = tmp_path / "m.txt"
    manifest.write_text("https://h/1.jpg\n")
    stage(inspect(str(manifest)), f"file://{tmp_path}/staged/")
    assert pq.read_table(tmp_path / "staged").num_rows == 1


def test_no_rows_stage_one_empty_file_with_the_schema(tmp_path):
    result = stage([], str(tmp_path / "staged"))
    table = pq.read_table(tmp_path / "staged")
    assert (result.input_rows, result.blank, result.files) == (0, 0, 1)
    assert table.num_rows == 0 and table.schema == SCHEMA


def test_blank_rows_are_counted_across_every_batch(tmp_path):
    result, _table = staged(tmp_path, "url,id\n,1\nhttps://h/a.jpg,2\n,3\n,4\n", batch_rows=2)
    assert (result.input_rows, result.blank) == (4, 3)


def test_the_empty_staging_file_has_the_name_spark_reads_first(tmp_path):
    stage([], str(tmp_path / "staged"))
    assert [p.name for p in (tmp_path / "staged").iterdir()] == ["part-00000.parquet"]


def test_a_staging_folder_ending_in_x_is_that_folder(tmp_path):
    manifest = tmp_path / "m.txt"
    manifest.write_text("https://h/1.jpg\n")
    stage(inspect(str(manifest)), f"{tmp_path}/run-XX/")
    assert [p.name for p in (tmp_path / "run-XX").iterdir()] == ["part-00000.parquet"]


def test_staging_into_a_folder_that_exists_adds_to_it(tmp_path):
    (tmp_path / "staged").mkdir()
    manifest = tmp_path / "m.txt"
    manifest.write_text("https://h/1.jpg\n")
    assert stage(inspect(str(manifest)), str(tmp_path / "staged")).input_rows == 1
