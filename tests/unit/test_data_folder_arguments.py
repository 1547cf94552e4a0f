"""query and map name the output folder the same way: positional, --data (or --output), or
$IMGMETA_DATA; map writes next to the data unless told otherwise."""

from __future__ import annotations

import json

import pytest

from image_metadata.cli import main, map_file
from image_metadata.explore.gps_map import MapError
from tests.support.contract_data import image_row, write_images


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.delenv("IMGMETA_DATA", raising=False)
    folder = tmp_path / "out"
    write_images(folder, [image_row(1, 48.85, 2.35), image_row(2, None, None)])
    return folder


COUNT = "SELECT count(*) FROM images"


@pytest.mark.parametrize("how", ["positional", "--data", "--output"])
def test_query_takes_the_folder_positionally_or_as_an_option(data, capsys, how):
    args = [COUNT, str(data)] if how == "positional" else [COUNT, how, str(data)]
    assert main(["query", *args, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"n": 2}


def test_query_reads_the_folder_from_imgmeta_data(data, capsys, monkeypatch):
    monkeypatch.setenv("IMGMETA_DATA", str(data))
    assert main(["query", COUNT, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"n": 2}


def test_a_folder_given_wins_over_imgmeta_data(data, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("IMGMETA_DATA", str(tmp_path / "elsewhere"))
    assert main(["query", COUNT, str(data), "--format", "json"]) == 0


def test_query_without_any_folder_says_the_three_ways(capsys):
    assert main(["query", COUNT]) == 2
    err = capsys.readouterr().err
    assert "--data DIR" in err and "$IMGMETA_DATA" in err


def test_map_writes_next_to_the_data_by_default(data, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert main(["map", str(data)]) == 0
    assert (data / "map.html").is_file()
    assert not (tmp_path / "map.html").exists()
    assert f"wrote {data / 'map.html'}" in capsys.readouterr().out


def test_map_reads_the_folder_from_imgmeta_data(data, monkeypatch):
    monkeypatch.setenv("IMGMETA_DATA", str(data))
    assert main(["map"]) == 0
    assert (data / "map.html").is_file()


def test_map_into_a_folder_writes_map_html_in_it(data, tmp_path):
    target = tmp_path / "maps"
    target.mkdir()
    assert main(["map", "--data", str(data), "--html", str(target)]) == 0
    assert (target / "map.html").is_file()


def test_map_into_a_folder_that_does_not_exist_is_refused_before_reading(tmp_path):
    with pytest.raises(MapError, match="does not exist"):
        map_file(str(tmp_path), str(tmp_path / "no" / "such" / "map.html"))


def test_two_different_folders_are_refused(data, capsys, tmp_path):
    assert main(["query", COUNT, str(data), "--data", str(tmp_path)]) == 2
    assert "two data folders" in capsys.readouterr().err


def test_the_folder_given_before_the_query_gets_the_order_explained(data, capsys):
    assert main(["query", str(data), COUNT]) == 2
    assert "the query comes first, then the folder" in capsys.readouterr().err
