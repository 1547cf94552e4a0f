"""Every usage, set-up and environment error, through the installed console script: the exit
code, one line on stderr that says what and how to fix it, and never a Python trace."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from image_metadata import samples
from tests.support.fault_server import FaultServer

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
IMGMETA = BIN / "imgmeta"
GLUE_SCRIPT = ROOT / "glue_jobs" / "extract_image_metadata.py"


@pytest.fixture
def place(tmp_path, monkeypatch):
    """A folder with a manifest, a plain file, a folder of images and an empty folder."""
    (tmp_path / "m.csv").write_text("url\nhttps://example.com/a.jpg\n")
    (tmp_path / "semicolons.csv").write_text("url;id\r\nhttps://example.com/a.jpg;1\r\n")
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "photos").mkdir()
    for name in ("a.jpg", "b.jpg"):
        (tmp_path / "photos" / name).write_bytes(samples.encode("JPEG", (8, 8)))
    (tmp_path / "empty").mkdir()
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "m.csv").write_text("url\nhttps://example.com/a.jpg\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str, env: dict[str, str] | None = None, program: Path = IMGMETA,
        timeout: float = 120) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base.pop("IMGMETA_DATA", None)
    return subprocess.run([str(program), *args], capture_output=True, text=True,
                          timeout=timeout, env={**base, **(env or {})})


def the_one_line(done: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


NO_AWS = {"AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
          "AWS_EC2_METADATA_DISABLED": "true"}

USAGE_ERRORS = {
    "no command": ((), "the following arguments are required: COMMAND"),
    "unknown command": (("frob",), "invalid choice: 'frob'"),
    "misspelt option": (("extract", "m.csv", "--output", "out", "--concurency", "8"),
                        "unrecognized arguments: --concurency 8"),
    "master spark cannot use": (("extract", "m.csv", "--output", "out", "--master", "bogus"),
                                "argument --master: 'bogus': expected local"),
    "run id with a space": (("extract", "m.csv", "--output", "out", "--run-id", "a b"),
                            "argument --run-id: 'a b'"),
    "concurrency that is no number": (("extract", "m.csv", "--output", "out",
                                       "--concurrency", "abc"), "argument --concurrency"),
    "size without a known unit": (("extract", "m.csv", "--output", "out", "--max-bytes",
                                   "10XB"), "argument --max-bytes: '10XB'"),
    "delimiter of two characters": (("extract", "m.csv", "--output", "out", "--delimiter",
                                     ";;"), "expected one of , ; | or tab"),
    "failure rate above one": (("extract", "m.csv", "--output", "out", "--max-failure-rate",
                                "2"), "argument --max-failure-rate"),
    "two inputs": (("extract", "m.csv", "--images", "photos", "--output", "out"),
                   "one of them, not more"),
    "output that is a file": (("extract", "m.csv", "--output", "a-file"),
                              "--output a-file is a file; give a folder"),
    "output below a file": (("extract", "m.csv", "--output", "a-file/out"),
                            "a-file is a file, so no folder can be made below it"),
    "output on S3 without an S3 connector": (("extract", "m.csv", "--output", "s3://b/out"),
                                             "local Spark has no S3 connector"),
    "output with a scheme Spark cannot write": (("extract", "m.csv", "--output",
                                                 "https://h/out"), "Spark writes to s3://"),
    "output inside the manifest folder": (("extract", "manifests", "--output",
                                           "manifests/out"), "inside the manifest folder"),
    "empty url column": (("extract", "m.csv", "--output", "out", "--url-column", ""),
                         "argument --url-column: '': must not be empty"),
    "encoding the manifest is not in": (("extract", "m.csv", "--output", "out", "--encoding",
                                         "utf-16"), "cannot read m.csv as utf-16"),
    "missing manifest": (("extract", "nothing.csv", "--output", "out"),
                         "manifest nothing.csv does not exist"),
    "folder of images as the manifest": (("extract", "photos", "--output", "out"),
                                         "use --images photos"),
    "an image as the manifest": (("extract", "photos/a.jpg", "--output", "out"),
                                 "is an image, not a manifest"),
    "delimiter the manifest lacks": (("extract", "semicolons.csv", "--output", "out",
                                      "--delimiter", ","), "looks separated by ';'"),
    "query without a folder": (("query", "camera_models"), "query needs the output folder"),
    "query on an empty folder": (("query", "camera_models", "empty"),
                                 "holds no output of imgmeta extract"),
    "query of an unknown name": (("query", "camera_modles", "empty"),
                                 "no named query 'camera_modles'"),
    "map of a missing folder": (("map", "nowhere"), "nowhere"),
    "map into a missing folder": (("map", "empty", "--html", "no/such/map.html"),
                                  "folder no/such does not exist"),
    "map over a file that is no html page": (("map", "empty", "--html", "m.csv"),
                                             "exists and is no .html file"),
    "aws region that is no region": (("aws", "start-run", "--region", "not a region"),
                                     "is not an AWS region name"),
    "aws without a region": (("aws", "start-run"), "no AWS region: give --region"),
    "aws with an unknown profile": (("aws", "query", "camera_models", "--profile", "nosuch"),
                                    "nosuch"),
}


@pytest.mark.parametrize("args,expected", USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_a_usage_or_set_up_error_is_one_line_and_exit_2(place, args, expected):
    done = run(*args, env=NO_AWS)
    line = the_one_line(done)
    assert done.returncode == 2, done.stderr
    assert expected in line
    assert not (place / "out").exists()  # found before anything was written


def test_aws_without_credentials_says_how_to_give_them(place):
    done = run("aws", "start-run", "--job-name", "j", env={**NO_AWS, "AWS_REGION": "eu-west-1"})
    line = the_one_line(done)
    assert done.returncode == 2
    assert "no AWS credentials" in line and "aws configure" in line


def test_an_aws_config_file_that_does_not_parse_is_a_set_up_error(place):
    config = place / "aws-config"
    config.write_text("[default\nregion = eu-west-1\n")
    done = run("aws", "start-run", env={**NO_AWS, "AWS_CONFIG_FILE": str(config)})
    assert "check your AWS configuration files" in the_one_line(done)
    assert done.returncode == 2


def test_a_java_older_than_17_is_named_before_spark_starts(place):
    java = place / "old-java" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n")
    java.chmod(0o755)
    done = run("extract", "m.csv", "--output", "out", env={"JAVA_HOME": str(java.parents[1])})
    assert "is Java 11; Spark here needs Java 17 or later" in the_one_line(done)
    assert done.returncode == 2


def test_ctrl_c_stops_a_long_local_query_at_once(place):
    from tests.support.contract_data import image_row, write_images

    write_images(place / "data", [image_row(1, None, None)])
    process = subprocess.Popen(
        [str(IMGMETA), "query", "SELECT sum(i) FROM range(100000000000) t(i)", "data"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)  # DuckDB is summing: about ten minutes of work
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert err.splitlines() == ["imgmeta: interrupted"]


def test_no_java_anywhere_is_one_line_naming_what_to_install(place):
    done = run("extract", "m.csv", "--output", "out",
               env={"PATH": str(BIN), "JAVA_HOME": ""})
    line = the_one_line(done)
    assert done.returncode == 2
    assert "java not found" in line and "Java 17" in line


def test_java_home_without_java_is_one_line(place):
    done = run("extract", "m.csv", "--output", "out", env={"JAVA_HOME": str(place / "empty")})
    assert "holds no bin/java" in the_one_line(done)
    assert done.returncode == 2


def test_glue_script_with_a_concurrency_that_is_no_number_is_one_line_and_exit_2(place):
    done = run(str(GLUE_SCRIPT), "--manifest", "m.csv", "--output", "out", "--concurrency",
               "abc", program=Path(sys.executable))
    line = the_one_line(done)
    assert done.returncode == 2
    assert "job argument --concurrency 'abc'" in line


STOPS = {"ctrl-c": (signal.SIGINT, 130, "imgmeta: interrupted; nothing of this run was kept"),
         "sigterm": (signal.SIGTERM, 143,
                     "imgmeta: stopped by SIGTERM; nothing of this run was kept")}


@pytest.mark.parametrize("signum,code,message", STOPS.values(), ids=STOPS.keys())
def test_a_signal_mid_run_exits_in_one_line_and_keeps_nothing(place, signum, code, message):
    server = FaultServer()
    try:
        manifest = place / "held.txt"
        manifest.write_text("".join(server.url(f"hold/{i}.jpg") + "\n" for i in range(8)))
        base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        # A group of its own: Ctrl-C on a terminal signals the whole foreground group.
        process = subprocess.Popen(
            [str(IMGMETA), "extract", str(manifest), "--output", "out", "--master", "local[2]",
             "--allow-private-networks"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, start_new_session=True, env=base)
        deadline = time.monotonic() + 120
        while server.requests.total() == 0 and time.monotonic() < deadline:
            time.sleep(0.1)  # extracting: the held requests have arrived
        assert server.requests.total() > 0, "the run never reached the server"
        # The whole group, as a terminal and most schedulers do: the JVM gets it too.
        os.killpg(process.pid, signum)
        _out, err = process.communicate(timeout=120)
    finally:
        server.release.set()
        server.stop()
    assert process.returncode == code, err
    assert "Traceback" not in err
    assert err.splitlines() == [message]
    assert not (place / "out" / "_staging").exists()
    assert not (place / "out" / "runs").exists()


def test_closed_standard_output_is_an_error_not_a_silent_success(place):
    done = subprocess.run([str(IMGMETA), "query", "--list"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, timeout=60,
                          preexec_fn=lambda: os.close(1))
    assert done.returncode == 1
    assert done.stderr.splitlines() == ["imgmeta: error: standard output is closed"]


def test_glue_script_help_lists_every_job_argument(place):
    from image_metadata.job.settings import JOB_ARGUMENTS

    done = run(str(GLUE_SCRIPT), "--help", program=Path(sys.executable))
    assert done.returncode == 0 and done.stderr == ""
    assert all(f"  {a.flag} " in done.stdout for a in JOB_ARGUMENTS)
