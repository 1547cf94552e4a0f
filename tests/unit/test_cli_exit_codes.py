"""The command line's exit codes: 0 for a run that accounts for every row, 1 for one that
does not (so a scheduler notices), 2 for a run that cannot start."""

from __future__ import annotations

import pytest

from image_metadata import cli
from image_metadata.job import pipeline
from image_metadata.job.accounting import ManifestCounts, ResultGroup, run_summary


class _NoSparkNeeded:
    def stop(self) -> None:
        pass


def _summary(lost: bool) -> dict:
    results = [ResultGroup("ok", None, 1 if lost else 2)]
    return run_summary(results, ManifestCounts(3, 0, 2, 3, 0), run={"run_id": "r1"})


def _extract(tmp_path, monkeypatch, summary: dict) -> int:
    # The summary is what is under test here, not Spark: pipeline.run is replaced by one that
    # reports it (a correct pipeline cannot produce a lost row on demand).
    manifest = tmp_path / "m.csv"
    manifest.write_text("url\nhttp://example.com/a.jpg\n")
    monkeypatch.setattr(pipeline, "local_session", lambda *a, **k: _NoSparkNeeded())
    monkeypatch.setattr(pipeline, "run", lambda *a, **k: summary)
    return cli.main(["extract", str(manifest), "--output", str(tmp_path / "o")])


def test_a_run_that_does_not_account_for_every_row_exits_1(tmp_path, capsys, monkeypatch):
    assert _extract(tmp_path, monkeypatch, _summary(lost=True)) == cli.EXIT_FAILED == 1
    assert "all rows accounted for  NO" in capsys.readouterr().out


def test_a_run_that_accounts_for_every_row_exits_0(tmp_path, capsys, monkeypatch):
    assert _extract(tmp_path, monkeypatch, _summary(lost=False)) == cli.EXIT_OK == 0
    assert "all rows accounted for  yes" in capsys.readouterr().out


def _failing(failed: int, succeeded: int) -> dict:
    results = [ResultGroup("ok", None, succeeded), ResultGroup("failed", "not_found", failed)]
    rows = failed + succeeded
    return run_summary(results, ManifestCounts(rows, 0, rows, rows, 0), run={"run_id": "r1"})


def _extract_with(tmp_path, monkeypatch, summary: dict, *options: str) -> int:
    manifest = tmp_path / "m.csv"
    manifest.write_text("url\nhttp://example.com/a.jpg\n")
    monkeypatch.setattr(pipeline, "local_session", lambda *a, **k: _NoSparkNeeded())
    monkeypatch.setattr(pipeline, "run", lambda *a, **k: summary)
    return cli.main(["extract", str(manifest), "--output", str(tmp_path / "o"), *options])


def test_a_failure_share_above_the_limit_exits_1_saying_so_in_one_line(tmp_path, capsys,
                                                                        monkeypatch):
    code = _extract_with(tmp_path, monkeypatch, _failing(3, 7), "--max-failure-rate", "0.2")
    assert code == cli.EXIT_FAILED
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "3 of 10 images read failed (30 %); --max-failure-rate 0.2 allows at most 20 %" in error


def test_a_failure_share_within_the_limit_exits_0(tmp_path, monkeypatch):
    assert _extract_with(tmp_path, monkeypatch, _failing(1, 9), "--max-failure-rate",
                         "0.2") == cli.EXIT_OK


def test_strict_fails_a_run_with_a_single_failure(tmp_path, monkeypatch):
    assert _extract_with(tmp_path, monkeypatch, _failing(1, 99), "--strict") == cli.EXIT_FAILED
    assert _extract_with(tmp_path, monkeypatch, _failing(0, 99), "--strict") == cli.EXIT_OK


def test_a_failure_rate_that_is_no_share_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["extract", "m.csv", "--output", str(tmp_path), "--max-failure-rate", "5"])
    assert stopped.value.code == 2
    assert "expected a share from 0 to 1" in capsys.readouterr().err


def test_version_names_the_installed_package(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.startswith("imgmeta 0.")


def test_verbose_is_taken_after_the_subcommand_too(tmp_path, monkeypatch):
    summary = _summary(lost=False)
    assert _extract_with(tmp_path, monkeypatch, summary, "-v") == cli.EXIT_OK


def test_the_named_queries_are_listed_whole_and_in_the_format_asked_for(capsys):
    import json

    from image_metadata.explore import queries

    assert cli.main(["query", "--list", "--format", "json"]) == cli.EXIT_OK
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert listed == [{"name": q.name, "description": q.description}
                      for q in queries.load_all()]
    assert cli.main(["query", "--list"]) == cli.EXIT_OK
    table = capsys.readouterr().out
    assert all(q.description in table for q in queries.load_all())
