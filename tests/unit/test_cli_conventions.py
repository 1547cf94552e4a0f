"""The habits of mature command lines: help for every option, examples for every command,
traces only when asked for, a progress bar on a terminal."""

from __future__ import annotations

import argparse
import io

import pytest

from image_metadata import cli, terminal


def all_parsers(parser: argparse.ArgumentParser, name: str = "imgmeta"):
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, child in action.choices.items():
                yield from all_parsers(child, f"{name} {sub}")


PARSERS = dict(all_parsers(cli.build_parser()))


@pytest.mark.parametrize("name", PARSERS)
def test_every_option_has_help(name):
    missing = [action.option_strings or action.dest for action in PARSERS[name]._actions
               if not action.help and not isinstance(action, argparse._SubParsersAction)]
    assert not missing


@pytest.mark.parametrize("name", PARSERS)
def test_every_command_shows_examples_that_it_accepts(name):
    parser = PARSERS[name]
    assert parser.epilog and parser.epilog.startswith("examples:")
    for line in parser.epilog.splitlines()[1:]:
        words = line.split()
        assert words[0] == "imgmeta" or "imgmeta" in words, line


def test_verbose_and_debug_are_the_same_switch():
    assert cli.build_parser().parse_args(["query", "--list", "--debug"]).verbose


def test_an_unforeseen_error_is_one_line_without_v(monkeypatch, capsys):
    def broken(_args):
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(cli, "_dispatch", broken)
    assert cli.main(["query", "--list"]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert err == ("imgmeta: error: RuntimeError: disk on fire (run again with -v for the "
                   "details)\n")


def test_an_unforeseen_error_shows_its_trace_with_v(monkeypatch):
    def broken(_args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cli, "_dispatch", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        cli.main(["query", "--list", "-v"])


def test_ctrl_c_outside_a_run_is_exit_130_in_one_line(monkeypatch, capsys):
    def interrupted(_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_dispatch", interrupted)
    assert cli.main(["query", "--list"]) == 130
    assert capsys.readouterr().err == "imgmeta: interrupted\n"


def test_a_java_error_is_told_by_its_java_exception_not_py4js_dump():
    error = Exception("An error occurred while calling o68.parquet.\n"
                      ": org.apache.spark.SparkException: Job aborted.\n"
                      "\tat org.apache.spark.sql.X.y(X.scala:1)\n")
    assert cli.one_line(error) == "SparkException: Job aborted."


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_progress_is_a_bar_with_counts_failures_and_eta():
    stream = Terminal()
    bar = terminal.progress_bar(stream)
    assert isinstance(bar, terminal.RichProgressBar)
    bar.update(0, 0, 1000)
    bar.update(400, 12, 1000)
    bar.close()
    shown = stream.getvalue()
    assert "400/1000" in shown and "12 failed" in shown and "ETA" in shown


def test_off_a_terminal_there_is_no_bar_and_the_job_logs_lines():
    assert terminal.progress_bar(io.StringIO()) is None
