"""Rewrites the README's generated parts from their one source: the output contract
(``schema.markdown``), the Glue job arguments (``settings.markdown``) and each command's
``--help``. tests/unit/test_readme.py fails when the README differs from what this writes.

    .venv/bin/python docs/update_readme.py
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
HELP_COLUMNS = "100"  # argparse wraps help to the terminal; the README is read at this width
COMMANDS = ("", "extract", "query", "map", "aws", "aws start-run", "aws query")


def help_text(command: str) -> str:
    """``imgmeta COMMAND --help`` as printed at HELP_COLUMNS columns."""
    from image_metadata import cli

    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = HELP_COLUMNS
    try:
        parser = cli.build_parser()
        for word in command.split():
            parser = _subcommand(parser, word)
        return parser.format_help().rstrip("\n")
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved


def _subcommand(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[name]
    raise KeyError(name)


def marker(command: str) -> str:
    return "help:" + (command.replace(" ", "-") or "imgmeta")


def sections() -> dict[str, str]:
    """Marker name -> the text between its begin and end comments."""
    from image_metadata import schema
    from image_metadata.job import settings

    parts = {"contract": schema.markdown(), "job-arguments": settings.markdown()}
    for command in COMMANDS:
        name = f"imgmeta {command}".strip()
        parts[marker(command)] = f"```\n$ {name} --help\n{help_text(command)}\n```"
    return parts


def between(text: str, name: str) -> str:
    begin, end = f"<!-- {name}:begin -->\n", f"\n<!-- {name}:end -->"
    if begin not in text or end not in text:
        raise KeyError(f"README has no {begin.strip()} ... {end.strip()} block")
    return text.split(begin, 1)[1].split(end, 1)[0]


def rewrite(text: str) -> str:
    for name, body in sections().items():
        pattern = re.compile(rf"(<!-- {re.escape(name)}:begin -->\n).*?(<!-- "
                             rf"{re.escape(name)}:end -->)", re.S)
        if not pattern.search(text):
            raise KeyError(f"README has no <!-- {name}:begin --> block")
        text = pattern.sub(lambda m, body=body: m.group(1) + body + "\n" + m.group(2), text,
                           count=1)
    return text


def main() -> int:
    text = README.read_text(encoding="utf-8")
    updated = rewrite(text)
    if updated != text:
        README.write_text(updated, encoding="utf-8")
        print(f"updated {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
