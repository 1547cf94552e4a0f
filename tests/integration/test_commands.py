"""The two ways users start a run: the imgmeta command and the Glue entry script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds

from image_metadata import samples
from image_metadata.cli import main

ROOT = Path(__file__).resolve().parents[2]
GLUE_SCRIPT = ROOT / "glue_jobs" / "extract_image_metadata.py"


def test_extract_with_a_bad_manifest_exits_2_naming_the_columns(tmp_path, capsys):
    manifest = tmp_path / "m.csv"
    manifest.write_text("name,link\na,b\n")
    assert main(["extract", str(manifest), "--output", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert str(manifest) in error and "'name', 'link'" in error


def test_extract_with_a_missing_manifest_exits_2(tmp_path, capsys):
    assert main(["extract", str(tmp_path / "nope.csv"), "--output", str(tmp_path)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_imgmeta_extract_runs_the_demo_set_and_prints_the_summary(tmp_path):
    manifest = samples.write_demo_set(tmp_path / "demo")
    output = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "image_metadata.cli", "extract", str(manifest), "--output",
         str(output), "--run-id", "demo", "--master", "local[2]"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "all rows accounted for  yes" in done.stdout
    images = ds.dataset(output / "images", partitioning="hive").to_table()
    failures = ds.dataset(output / "failures", partitioning="hive").to_table()
    assert images.num_rows == 8 and failures.num_rows == 7
    # Off a terminal: the job's own progress line, and none of Spark's banner or warnings.
    assert "extracting: 15 of 15 URLs (100.0 %)" in done.stderr
    for noise in ("Setting default log level", "NativeCodeLoader", " WARN ", "[Stage "):
        assert noise not in done.stderr


def test_glue_entry_script_runs_with_glue_style_arguments(tmp_path, http_server):
    http_server.files["/glue/a.jpg"] = samples.encode("JPEG", (64, 32))
    local = tmp_path / "local.jpg"
    local.write_bytes(samples.encode("JPEG", (8, 8)))
    manifest = tmp_path / "manifest.txt"
    manifest.write_text(f"{http_server.url('glue/a.jpg')}\n{local}\n")
    output = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, str(GLUE_SCRIPT), "--JOB_NAME", "image-metadata", "--manifest",
         str(manifest), "--output", str(output), "--run_id", "glue-1", "--concurrency", "4",
         "--allow_private_networks", "true", "--enable-metrics", "true"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "not started by a Spark launcher: running on a local session" in done.stdout
    summary = json.loads((output / "runs" / "glue-1.json").read_text())
    # Local files are refused unless --allow_local_files is set, as on Glue.
    assert (summary["succeeded"], summary["failed_by_error_type"]) == (
        1, {"unsupported_scheme": 1})


def test_extract_with_a_master_spark_cannot_use_exits_2_before_starting_spark(tmp_path):
    manifest = tmp_path / "m.txt"
    manifest.write_text("https://example.com/a.jpg\n")
    done = subprocess.run(
        [sys.executable, "-m", "image_metadata.cli", "extract", str(manifest), "--output",
         str(tmp_path / "out"), "--master", "bogus"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "Exception" not in done.stderr
    assert "argument --master: 'bogus': expected local, local[N]" in done.stderr.splitlines()[-1]


def test_extract_with_a_java_home_without_java_exits_2_in_one_line(tmp_path):
    manifest = tmp_path / "m.txt"
    manifest.write_text("https://example.com/a.jpg\n")
    bin_dir = Path(sys.executable).parent
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "image_metadata.cli", "extract", str(manifest), "--output",
         str(tmp_path / "out"), "--master", "local[1]"],
        capture_output=True, text=True, timeout=300, env={**env, "JAVA_HOME": "/nonexistent"},
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    (line,) = [x for x in done.stderr.splitlines() if x.startswith("imgmeta: error:")]
    assert "JAVA_HOME is /nonexistent, which holds no bin/java" in line


def test_verbose_brings_back_sparks_own_log_lines(tmp_path):
    manifest = tmp_path / "m.txt"
    manifest.write_text("ftp://example.invalid/a.jpg\n")
    done = subprocess.run(
        [sys.executable, "-m", "image_metadata.cli", "extract", str(manifest), "--output",
         str(tmp_path / "out"), "--master", "local[1]", "-v"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Setting default log level" in done.stderr  # Spark's own banner, as it prints it
    assert "INFO image_metadata" in done.stderr
