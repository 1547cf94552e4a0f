"""The entry script run the way Glue runs it: the synthesized job's default arguments, the
arguments Glue adds to every run and a run's overrides as argv; Python holding only what Glue
5.1 provides plus the bundle installed Glue's way; AWS's own awsglue reading the arguments;
Spark's launcher starting it. It must write the rows the imgmeta command writes."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from image_metadata import samples
from tests.support.glue_runtime import (
    ROOT,
    GlueRuntime,
    environment,
    glue_argv,
    new_job_run_id,
    reserved_arguments,
    script_from,
    spark_settings,
)
from tests.support.stack_template import job_default_arguments, job_name, job_script_location

IMAGES, METADATA = "s3://images-bucket/", "s3://metadata-bucket/"
BUNDLE = ROOT / "layers" / "dist" / "image_metadata.gluewheels.zip"
# What a user types into "Run with parameters" for this run: the loopback image server needs
# private addresses allowed; progress every half second so a short run logs some.
RUN_OVERRIDES = {"--concurrency": "8", "--allow_private_networks": "true",
                 "--progress_seconds": "0.5"}
VOLATILE = ("run_id", "extracted_at", "dt")


def write_manifest(folder: Path, http_server, s3) -> None:
    s3.create_bucket(Bucket="fidelity-lake")
    s3.put_object(Bucket="fidelity-lake", Key="photos/rio.jpg",
                  Body=samples.encode("JPEG", (64, 48),
                                      exif=samples.exif_bytes(place=samples.PLACES["rio"])))
    s3.put_object(Bucket="fidelity-lake", Key="photos/tiny.heic",
                  Body=samples.encode("HEIF", (32, 16)))
    http_server.files["/fidelity/paris.png"] = samples.encode("PNG", (40, 30))
    http_server.files["/fidelity/text.jpg"] = b"not an image at all\n" * 10
    rows = [
        ("r1", "s3://fidelity-lake/photos/rio.jpg"),
        ("h1", "s3://fidelity-lake/photos/tiny.heic"),
        ("p1", http_server.url("fidelity/paris.png")),
        ("p2", http_server.url("fidelity/paris.png")),  # a duplicate
        ("x1", http_server.url("fidelity/text.jpg")),
        ("n1", http_server.url("fidelity/missing.jpg")),
        ("n2", "s3://fidelity-lake/photos/missing.jpg"),
        ("f1", "file:///etc/hostname"),
        ("b1", ""),
    ]
    folder.mkdir(parents=True)
    (folder / "batch-1.csv").write_text("id,url\n" + "".join(f"{i},{u}\n" for i, u in rows))


@pytest.fixture(scope="module")
def glue_job(assembly, http_server, s3, tmp_path_factory):
    """One Glue-style run and one imgmeta run over the same manifest."""
    work = tmp_path_factory.mktemp("glue")
    write_manifest(work / "manifests", http_server, s3)
    defaults = job_default_arguments(assembly.template)
    local = {f"{IMAGES}manifests/": f"{work / 'manifests'}/", METADATA: f"{work / 'output'}/"}
    swapped = {name: _swap(value, local) for name, value in defaults.items()
               if name not in ("--additional-python-modules",)}
    swapped["--additional-python-modules"] = defaults["--additional-python-modules"]
    runtime = GlueRuntime(work)
    pip_output = runtime.install_modules(
        defaults["--additional-python-modules"], defaults["--python-modules-installer-option"],
        resolve={defaults["--additional-python-modules"]: BUNDLE},
    )
    script = script_from(job_script_location(assembly.template), ROOT / "glue_jobs", work)
    run_id = new_job_run_id()
    reserved = reserved_arguments(job_name(assembly.template), run_id, f"{work / 'temp'}/")
    argv = glue_argv(script, reserved, swapped, RUN_OVERRIDES)
    run = runtime.submit(argv, spark_settings(swapped.get("--conf")), environment())
    cli = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "imgmeta"), "extract", str(work / "manifests"),
         "--output", str(work / "cli"), "--run-id", "cli", "--concurrency", "8",
         "--allow-private-networks", "--no-local-files", "--master", "local[2]"],
        capture_output=True, text=True, timeout=300, env=environment(),
    )
    return {"run": run, "run_id": run_id, "output": work / "output", "cli": cli,
            "cli_output": work / "cli", "pip": pip_output, "runtime": runtime, "work": work,
            "argv": argv, "swapped": swapped, "script": script}


def _swap(value: str, local: dict[str, str]) -> str:
    for remote, path in local.items():
        if value.startswith(remote):
            return path + value[len(remote):]
    return value


def rows(output: Path, dataset: str) -> list[dict]:
    table = ds.dataset(output / dataset, partitioning="hive").to_table().to_pylist()
    return sorted(({k: v for k, v in row.items() if k not in VOLATILE} for row in table),
                  key=lambda row: row["url"])


def log_lines(run, logger: str) -> list[str]:
    return [line for line in (run.stdout + run.stderr).splitlines() if f" {logger}: " in line]


def test_the_run_succeeds_with_awsglue_reading_the_arguments_glue_passes(glue_job):
    run = glue_job["run"]
    assert run.returncode == 0, run.stdout[-4000:]
    assert "Traceback" not in run.stdout + run.stderr
    (started,) = log_lines(run, "image_metadata.glue")[:1]
    assert "job arguments read by awsglue.utils.getResolvedOptions" in started


def test_argv_holds_the_template_defaults_the_reserved_arguments_and_the_overrides(glue_job):
    argv = glue_job["argv"]
    for name in ("--JOB_ID", "--JOB_RUN_ID", "--JOB_NAME", "--TempDir", "--job-bookmark-option",
                 "--enable-metrics", "--enable-continuous-cloudwatch-log",
                 "--enable-observability-metrics", "--additional-python-modules",
                 "--python-modules-installer-option", "--conf", "--manifest", "--output",
                 *RUN_OVERRIDES):
        assert argv.count(name) == 1, name
    assert argv[argv.index("--concurrency") + 1] == "8"  # the run's value, not the default 32


def test_the_glue_run_id_names_the_run(glue_job):
    run_id, output = glue_job["run_id"], glue_job["output"]
    summary = json.loads((output / "runs" / f"{run_id}.json").read_text())
    assert summary["run_id"] == run_id and summary["accounted"] is True
    written = [p.name for p in (output / "images").rglob("*.parquet")]
    assert written and all(name.startswith(f"{run_id}~") for name in written)


def test_the_glue_run_writes_the_rows_the_imgmeta_command_writes(glue_job):
    assert glue_job["cli"].returncode == 0, glue_job["cli"].stderr[-3000:]
    for dataset in ("images", "failures"):
        assert rows(glue_job["output"], dataset) == rows(glue_job["cli_output"], dataset)
    failures = {r["id"]: r["error_type"] for r in rows(glue_job["output"], "failures")}
    assert failures == {"x1": "not_an_image", "n1": "not_found", "n2": "not_found",
                        "f1": "unsupported_scheme"}


def test_the_library_and_pillow_come_from_the_bundle(glue_job):
    site = glue_job["runtime"].python.parents[1] / "lib" / "python3.11" / "site-packages"
    (started,) = log_lines(glue_job["run"], "image_metadata.glue")[:1]
    assert f"from {site / 'image_metadata'}," in started
    assert "Pillow 13.0.0" in started  # the bundle's pin, over Glue's own 12.0.0
    assert "Successfully installed" in glue_job["pip"]


def test_without_glue_classes_the_launchers_session_is_used_and_said_so(glue_job):
    lines = log_lines(glue_job["run"], "image_metadata.glue")
    assert any("Glue's JVM classes are not on the classpath" in line
               and "master local[2]" in line for line in lines)


def test_the_driver_logs_progress_and_one_json_summary_line(glue_job):
    run, output = glue_job["run"], glue_job["output"]
    progress = log_lines(run, "image_metadata.progress")
    assert progress, run.stdout[-2000:]
    assert re.search(r"extracting: 7 of 7 URLs \(100\.0 %\), 4 failed, [\d,]+ URLs/s",
                     progress[-1])
    (summary,) = log_lines(run, "image_metadata.summary")
    logged = json.loads(summary.split(" image_metadata.summary: ", 1)[1])
    assert logged == json.loads((output / "runs" / f"{glue_job['run_id']}.json").read_text())


@pytest.mark.parametrize(("override", "message"), [
    (("--concurrency", "abc"), "job argument --concurrency 'abc': expected a whole number"),
    (("--allow_networks", "10.0.0.0/33"), "job argument --allow_networks '10.0.0.0/33'"),
])
def test_a_bad_argument_fails_the_run_before_spark_work_with_one_line(glue_job, override,
                                                                       message):
    runtime, work = glue_job["runtime"], glue_job["work"]
    name, value = override
    output = work / f"bad-{name.strip('-')}"
    arguments = {**glue_job["swapped"], "--output": f"{output}/", name: value}
    argv = glue_argv(glue_job["script"], reserved_arguments("image-metadata-extract",
                                                            new_job_run_id(), "/tmp/"),
                     arguments, {})
    run = runtime.submit(argv, [], environment())
    assert run.returncode == 2
    # Spark's launcher merges the script's stderr into its stdout, as the driver log has both.
    errors = [line for line in (run.stdout + run.stderr).splitlines() if " ERROR " in line]
    assert len(errors) == 1 and message in errors[0] and "image_metadata.glue" in errors[0]
    assert "Traceback" not in run.stdout + run.stderr
    assert not output.exists()
