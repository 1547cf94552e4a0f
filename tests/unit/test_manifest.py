"""manifest.py: discover manifest files and detect CSV, TSV or a URL list from their content."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from image_metadata.exceptions import ManifestError
from image_metadata.job.manifest import HEAD_BYTES, ManifestFormat, discover, inspect, sniff


def sniffed(text: str, path: str = "manifest.csv", **kwargs) -> ManifestFormat:
    return sniff(text.encode(), path, **kwargs)


# -- format detection --------------------------------------------------------------------------


def test_csv_with_header_finds_the_url_and_id_columns():
    fmt = sniffed("id,url,note\n1,s3://b/a.jpg,first\n2,s3://b/b.jpg,second\n")
    assert fmt == ManifestFormat("csv", True, 1, 0, ("id", "url", "note"))
    assert fmt.delimiter == ","


def test_header_names_are_matched_case_insensitively():
    fmt = sniffed("ID,URL\n1,https://h.example/a.jpg\n")
    assert (fmt.url_index, fmt.id_index) == (1, 0)


def test_tsv_is_detected_by_content_even_with_a_csv_name():
    fmt = sniffed("url\tid\ns3://b/a.jpg\t7\n", "images.csv")
    assert (fmt.kind, fmt.header, fmt.url_index, fmt.id_index) == ("tsv", True, 0, 1)
    assert fmt.delimiter == "\t"


def test_plain_url_list_without_header():
    fmt = sniffed("s3://b/a.jpg\nhttps://h.example/b.jpg\n/data/c.jpg\n", "urls.txt")
    assert fmt == ManifestFormat("list", False, 0, None, ("c0",))


def test_plain_url_list_with_a_url_header():
    fmt = sniffed("url\ns3://b/a.jpg\ns3://b/b.jpg\n", "urls.txt")
    assert fmt == ManifestFormat("list", True, 0, None, ("url",))


def test_urls_with_commas_in_a_plain_list_stay_one_url_each():
    text = (
        "https://res.example.com/image/upload/w_400,h_300,c_fill/sample.jpg\n"
        "s3://bucket/photos/paris,france.jpg\n"
    )
    fmt = sniffed(text, "urls.txt")
    assert (fmt.kind, fmt.url_index, fmt.columns) == ("list", 0, ("c0",))


def test_headerless_url_and_id_csv():
    fmt = sniffed("s3://b/a.jpg,id-1\ns3://b/b.jpg,id-2\n")
    assert fmt == ManifestFormat("csv", False, 0, 1, ("c0", "c1"))


def test_headerless_csv_with_the_url_in_the_second_column():
    fmt = sniffed("id-1,s3://b/a.jpg\nid-2,s3://b/b.jpg\n")
    assert (fmt.kind, fmt.header, fmt.url_index, fmt.id_index) == ("csv", False, 1, 0)


def test_csv_with_header_and_dotted_values_in_other_columns_is_a_csv():
    fmt = sniffed("url,filename\nhttps://h.example/a.jpg,a.jpg\nhttps://h.example/b.jpg,b.jpg\n")
    assert fmt == ManifestFormat("csv", True, 0, None, ("url", "filename"))


def test_custom_url_column_is_used():
    fmt = sniffed("name,Image_Link\nx,https://h.example/a.jpg\n", url_column="image_link")
    assert (fmt.kind, fmt.url_index) == ("csv", 1)


def test_custom_id_column_is_used():
    fmt = sniffed("sku,url,id\n9,s3://b/a.jpg,x\n", id_column="sku")
    assert fmt.id_index == 0


def test_utf8_bom_is_not_part_of_the_first_column_name():
    fmt = sniff(b"\xef\xbb\xbfurl,id\ns3://b/a.jpg,1\n", "bom.csv")
    assert fmt.columns == ("url", "id")
    assert fmt.url_index == 0


def test_quoted_csv_fields_with_commas_are_one_field():
    fmt = sniffed('id,url\n1,"https://h.example/a,b.jpg"\n')
    assert fmt == ManifestFormat("csv", True, 1, 0, ("id", "url"))


def test_blank_lines_before_the_header_are_ignored():
    fmt = sniffed("\n\nid,url\n1,s3://b/a.jpg\n")
    assert (fmt.kind, fmt.url_index) == ("csv", 1)


# -- unusable manifests ----------------------------------------------------------------------


def test_missing_url_column_raises_naming_the_file_and_the_columns_found():
    with pytest.raises(ManifestError) as raised:
        sniffed("id,link,note\n1,https://h.example/a.jpg,x\n", "s3://b/in/manifest.csv")
    message = str(raised.value)
    assert "s3://b/in/manifest.csv" in message
    assert "'url'" in message
    assert "'id', 'link', 'note'" in message
    assert "--url-column" in message


def test_missing_custom_url_column_raises_naming_it():
    with pytest.raises(ManifestError, match="no 'photo' column"):
        sniffed("id,url\n1,s3://b/a.jpg\n", url_column="photo")


def test_missing_custom_id_column_raises_naming_it():
    with pytest.raises(ManifestError, match=r"no 'sku' id column; its header has 'id', 'url'"):
        sniffed("id,url\n1,s3://b/a.jpg\n", id_column="sku")


@pytest.mark.parametrize("content", ["", "\n\n", "  \n\t\n"], ids=["empty", "newlines", "blanks"])
def test_empty_manifest_raises_naming_the_file(content):
    with pytest.raises(ManifestError, match=r"manifest empty\.csv is empty"):
        sniffed(content, "empty.csv")


@pytest.mark.parametrize("content", ["id,url\n", "url\n", "url\tid\n\n"])
def test_header_only_manifest_raises_naming_the_file(content):
    with pytest.raises(ManifestError, match=r"manifest head\.csv has a header .* but no rows"):
        sniffed(content, "head.csv")


# -- discovery -------------------------------------------------------------------------------


def test_discover_a_folder_skips_hidden_and_underscore_files_and_folders(tmp_path: Path):
    for name in ["b.csv", "a.csv", ".hidden.csv", "_SUCCESS", "sub/c.csv", "_tmp/d.csv",
                 ".git/e.csv"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("url\ns3://b/a.jpg\n")
    assert discover(str(tmp_path)) == [
        str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), str(tmp_path / "sub" / "c.csv")
    ]


def test_discover_a_file_returns_that_file(tmp_path: Path):
    path = tmp_path / "m.csv"
    path.write_text("url\ns3://b/a.jpg\n")
    assert discover(str(path)) == [str(path)]


def test_discover_accepts_a_file_url(tmp_path: Path):
    path = tmp_path / "m.csv"
    path.write_text("url\ns3://b/a.jpg\n")
    assert discover(f"file://{path}") == [str(path)]


def test_discover_a_missing_path_raises_naming_it(tmp_path: Path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(ManifestError, match=f"manifest {missing} does not exist"):
        discover(str(missing))


@contextlib.contextmanager
def as_a_user_without_root_rights():
    """Root reads every file (as here and in CI): become nobody for the block, keeping root
    as the saved id to come back to. os.access judges by the real id, so both change."""
    if os.geteuid() != 0:
        yield
        return
    os.setresgid(65534, 65534, 0)
    os.setresuid(65534, 65534, 0)
    try:
        yield
    finally:
        os.setresuid(0, 0, 0)
        os.setresgid(0, 0, 0)


def test_discover_an_unreadable_manifest_raises_naming_the_fix():
    folder = Path(tempfile.mkdtemp())
    try:
        folder.chmod(0o755)  # others may look in, not read the manifest
        manifest = folder / "locked.csv"
        manifest.write_text("url\ns3://b/a.jpg\n")
        manifest.chmod(0o600)
        with as_a_user_without_root_rights(), pytest.raises(
                ManifestError, match=r"^manifest .*locked\.csv is not readable \(check its "
                                     r"permissions\)$"):
            discover(str(manifest))
    finally:
        shutil.rmtree(folder)


def test_discover_a_folder_of_only_hidden_files_raises(tmp_path: Path):
    (tmp_path / "_SUCCESS").write_text("")
    with pytest.raises(ManifestError, match="holds no files"):
        discover(str(tmp_path))


def test_inspect_sniffs_every_discovered_file(tmp_path: Path):
    (tmp_path / "a.csv").write_text("id,url\n1,s3://b/a.jpg\n")
    (tmp_path / "b.tsv").write_text("s3://b/b.jpg\t2\n")
    found = inspect(str(tmp_path))
    assert [(Path(f.path).name, f.format.kind, f.format.url_index) for f in found] == [
        ("a.csv", "csv", 1), ("b.tsv", "tsv", 0)
    ]


def test_a_line_cut_by_the_end_of_the_head_does_not_decide_the_format():
    # The second line crosses the 64 KiB head: only its start is in it, and that start
    # would make the first line look like a CSV record.
    first = "https://h/a.jpg,b/c"
    second = "https://h/b.jpg,id" + "7" * (HEAD_BYTES - len(first) - 1) + ".x"
    fmt = sniffed(f"{first}\n{second}\n")
    assert (fmt.kind, fmt.header) == ("list", False)
