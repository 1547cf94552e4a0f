"""The Glue entry script reads Glue-style job arguments."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "glue_jobs" / "extract_image_metadata.py"
spec = importlib.util.spec_from_file_location("extract_image_metadata", SCRIPT)
entry = importlib.util.module_from_spec(spec)
spec.loader.exec_module(entry)


def test_required_and_default_arguments_are_resolved():
    args = entry.parse_arguments(["script", "--manifest", "s3://b/m/", "--output", "s3://o/"])
    assert (args["manifest"], args["output"], args["concurrency"]) == ("s3://b/m/", "s3://o/", "32")
    assert args["allow_local_files"] == "false"


def test_glue_run_id_names_the_run_when_no_run_id_is_given():
    args = entry.parse_arguments(["script", "--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_abc123",
                                  "--manifest", "m", "--output", "o"])
    assert args["run_id"] == "jr_abc123"


def test_explicit_run_id_wins_over_the_glue_run_id():
    args = entry.parse_arguments(["script", "--JOB_RUN_ID", "jr_abc", "--run_id", "mine",
                                  "--manifest", "m", "--output", "o"])
    assert args["run_id"] == "mine"
