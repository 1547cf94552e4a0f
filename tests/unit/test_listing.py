"""listing.py: the images under a folder, chosen by extension or globs, as manifest rows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from image_metadata.exceptions import ManifestError
from image_metadata.job import listing
from image_metadata.job.listing import Filter


def _tree(root: Path, names: list[str]) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * 10)


def _ids(location: Path | str, where: Filter | None = None) -> list[str]:
    return [found.id for found in listing.listed(str(location), where)]


def test_a_folder_is_walked_recursively_its_files_before_its_folders_by_name(tmp_path):
    _tree(tmp_path, ["b.jpg", "a/z.png", "a/b/c.HEIC", "a/y.png", "c.txt"])
    assert _ids(tmp_path) == ["b.jpg", "a/y.png", "a/z.png", "a/b/c.HEIC"]


def test_hidden_files_and_folders_are_skipped(tmp_path):
    _tree(tmp_path, [".thumbs/a.jpg", ".b.jpg", "keep/.c.jpg", "keep/d.jpg"])
    assert _ids(tmp_path) == ["keep/d.jpg"]


def test_rows_carry_the_absolute_path_size_and_modification_time(tmp_path):
    _tree(tmp_path, ["a.jpg"])
    os.utime(tmp_path / "a.jpg", (1_700_000_000, 1_700_000_000))
    (found,) = listing.listed(str(tmp_path))
    assert found.url == str(tmp_path / "a.jpg")
    assert (found.size, found.etag) == (10, None)
    assert found.last_modified.timestamp() == 1_700_000_000


def test_a_file_url_names_the_folder_too(tmp_path):
    _tree(tmp_path, ["a.jpg"])
    assert _ids(f"file://{tmp_path}") == ["a.jpg"]


@pytest.mark.parametrize(("name", "wanted"), [
    ("a.jpg", True), ("A.JPEG", True), ("raw/b.CR3", True), ("c.dng", True), ("d.jxl", True),
    ("e.txt", False), ("f", False), ("jpg", False), ("g.jpg.json", False), ("h.svg", False),
])
def test_images_are_known_by_extension_case_insensitively(name, wanted):
    assert Filter().wants(name) is wanted


def test_include_globs_replace_the_extension_rule():
    where = Filter(include=("*.bin", "raw/*"))
    assert [where.wants(n) for n in ("a.bin", "raw/x.txt", "a.jpg", "b/raw/y")] == [
        True, True, False, False]


def test_exclude_globs_drop_names_a_glob_without_a_slash_matching_the_file_name():
    where = Filter(exclude=("*_thumb.jpg", "previews/*"))
    assert [where.wants(n) for n in ("a.jpg", "x/a_thumb.jpg", "previews/b.jpg",
                                     "sub/previews/c.jpg")] == [True, False, False, True]


def test_a_link_out_of_the_folder_is_left_out_and_counted(tmp_path):
    inside, outside = tmp_path / "in", tmp_path / "out"
    _tree(inside, ["a.jpg"])
    _tree(outside, ["secret.jpg"])
    (inside / "link.jpg").symlink_to(outside / "secret.jpg")
    (inside / "linked-folder").symlink_to(outside, target_is_directory=True)
    where = Filter()
    assert _ids(inside, where) == ["a.jpg"]
    assert where.skipped_links == 1  # the folder link is not followed at all


def test_a_link_within_the_folder_is_an_image_of_it(tmp_path):
    _tree(tmp_path, ["a/b.jpg"])
    (tmp_path / "c.jpg").symlink_to(tmp_path / "a" / "b.jpg")
    assert _ids(tmp_path) == ["c.jpg", "a/b.jpg"]  # c.jpg: in the folder's own files


def test_a_dangling_link_is_a_row_that_then_fails_as_not_found(tmp_path):
    (tmp_path / "gone.jpg").symlink_to(tmp_path / "nowhere.jpg")
    (found,) = listing.listed(str(tmp_path))
    assert (found.id, found.size) == ("gone.jpg", None)


def test_a_missing_folder_is_refused_before_any_work(tmp_path):
    with pytest.raises(ManifestError, match="does not exist"):
        listing.check(str(tmp_path / "nope"))


def test_a_file_given_as_the_folder_points_at_the_manifest_argument(tmp_path):
    _tree(tmp_path, ["m.csv"])
    with pytest.raises(ManifestError, match="is a file, not a folder; give a manifest"):
        listing.check(str(tmp_path / "m.csv"))


def test_an_s3_location_without_a_bucket_is_refused():
    with pytest.raises(ManifestError, match="no bucket named"):
        listing.check("s3:///photos/")


@pytest.mark.parametrize(("glob", "name", "matches"), [
    ("raw/*.cr3", "raw/b.cr3", True), ("raw/*.cr3", "raw/2023/b.cr3", False),
    ("raw/**/*.cr3", "raw/2023/b.cr3", True), ("**/*.jpg", "a.jpg", True),
    ("thumbs/", "x/thumbs/a.jpg", True), ("thumbs", "thumbs/a.jpg", True),
    ("/raw/*", "raw/a.jpg", True), ("/raw/*", "x/raw/a.jpg", False),
    ("[!ab].jpg", "c.jpg", True), ("[!ab].jpg", "a.jpg", False),
])
def test_globs_read_as_gitignore_patterns(glob, name, matches):
    assert Filter(exclude=(glob,)).wants(name) is not matches


def test_hidden_keys_under_a_prefix_are_skipped_as_hidden_files_are():
    assert listing.listed_item("b", "p/", {"Key": "p/.thumbs/a.jpg"}, Filter()) is None
    assert listing.listed_item("b", "p/", {"Key": "p/x/._IMG_1.JPG"}, Filter()) is None
    assert listing.listed_item("b", "p/", {"Key": "p/x/IMG_1.JPG"}, Filter()).id == \
        "p/x/IMG_1.JPG"


def test_a_file_name_that_is_not_utf8_is_a_failure_row_not_a_stop(tmp_path):
    os.close(os.open(os.path.join(os.fsencode(tmp_path), b"bad\xff.jpg"), os.O_CREAT))
    (found,) = listing.listed(str(tmp_path))
    assert found.problem.startswith("file name ") and "is not valid UTF-8" in found.problem
    assert found.id == "bad\ufffd.jpg"
