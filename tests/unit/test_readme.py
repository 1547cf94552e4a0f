"""The README documents the contract exactly as schema.py defines it."""

from pathlib import Path

import pytest

from image_metadata.job import settings
from image_metadata.schema import markdown
from tests.support.scripts import load_script

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_column_and_error_tables_equal_the_schema():
    text = README.read_text()
    documented = text.split("<!-- contract:begin -->\n", 1)[1].split("\n<!-- contract:end -->")[0]
    assert documented == markdown()


def test_readme_job_argument_table_equals_the_job_arguments():
    text = README.read_text()
    documented = text.split("<!-- job-arguments:begin -->\n", 1)[1].split(
        "\n<!-- job-arguments:end -->")[0]
    assert documented == settings.markdown()


def _readme_tool():
    return load_script("docs/update_readme.py")


@pytest.mark.parametrize("command", ["", "extract", "query", "map", "aws", "aws start-run",
                                     "aws query"])
def test_readme_commands_section_shows_each_commands_help_as_printed(command):
    tool = _readme_tool()
    documented = tool.between(README.read_text(), tool.marker(command))
    assert documented == f"```\n$ {f'imgmeta {command}'.strip()} --help\n" \
        f"{tool.help_text(command)}\n```", "run: .venv/bin/python docs/update_readme.py"


def test_readme_generated_parts_are_what_the_tool_writes():
    tool = _readme_tool()
    text = README.read_text()
    assert tool.rewrite(text) == text, "run: .venv/bin/python docs/update_readme.py"


def test_readme_format_table_names_every_format_read():
    from image_metadata.formats.registry import READERS, SUPPORTED_FORMATS, WEAK_READERS

    text = README.read_text()
    table = text.split("<!-- formats: start -->", 1)[1].split("<!-- formats: end -->", 1)[0]
    listed = {name.strip() for line in table.splitlines()[2:]
              for name in line.split("|")[1].split(",")}
    read = set(SUPPORTED_FORMATS) | {f for r in (*READERS, *WEAK_READERS) for f in r.reports}
    assert read <= listed, f"not in the README's format table: {sorted(read - listed)}"


def test_readme_states_how_many_tags_get_labels():
    from image_metadata.tags.exif_labels import LABELLED_TAGS

    assert f"... {len(LABELLED_TAGS)} tags)" in README.read_text()
