"""The command line's exit codes: 0 for a run that accounts for every row, 1 for one that
does not (so a scheduler notices), 2 for a run that cannot start."""

from __future__ import annotations

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
