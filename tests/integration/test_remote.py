"""imgmeta aws start-run / query against a moto server (Glue job runs, Athena, CloudFormation)."""

from __future__ import annotations

import json
import urllib.request

import boto3
import pytest
from awsglue.utils import getResolvedOptions

from image_metadata.aws import remote
from image_metadata.cli import main
from image_metadata.explore import queries
from image_metadata.job.settings import (
    GLUE_ARGUMENTS,
    JOB_ARGUMENTS,
    config_from_job_arguments,
    read_job_arguments,
)

JOB = "image-metadata-extract"
STACK = "ImageMetadataTest"
OUTPUTS = {"JobName": JOB, "WorkGroup": "image-metadata", "Database": "image_metadata",
           "ManifestLocation": "s3://images/manifests/", "OutputLocation": "s3://metadata/"}


def moto_api(endpoint: str, path: str, body: dict) -> None:
    request = urllib.request.Request(f"{endpoint}{path}", data=json.dumps(body).encode(),
                                     method="POST")
    urllib.request.urlopen(request, timeout=10).close()


@pytest.fixture(scope="module")
def deployed(moto_endpoint):
    """A stack with the real outputs' names, the Glue job and the Athena workgroup."""
    session = boto3.session.Session()
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::S3::Bucket"}},
        "Outputs": {key: {"Value": value} for key, value in OUTPUTS.items()},
    }
    session.client("cloudformation").create_stack(StackName=STACK,
                                                  TemplateBody=json.dumps(template))
    glue = session.client("glue")
    glue.create_job(Name=JOB, Role="arn:aws:iam::123456789012:role/glue", GlueVersion="5.1",
                    Command={"Name": "glueetl", "ScriptLocation": "s3://metadata/job.py"},
                    DefaultArguments={"--manifest": "s3://images/manifests/"},
                    ExecutionProperty={"MaxConcurrentRuns": 50})
    session.client("athena").create_work_group(Name="image-metadata")
    return session


@pytest.fixture()
def manual_glue_states(moto_endpoint):
    moto_api(moto_endpoint, "/moto-api/state-manager/set-transition",
             {"model_name": "glue::job_run", "transition": {"progression": "manual", "times": 1}})
    yield
    moto_api(moto_endpoint, "/moto-api/state-manager/unset-transition",
             {"model_name": "glue::job_run"})


def last_run(session) -> dict:
    runs = session.client("glue").get_job_runs(JobName=JOB)["JobRuns"]
    return max(runs, key=lambda r: r["StartedOn"])


def test_stack_outputs_name_the_job_workgroup_and_database(deployed):
    info = remote.stack_info(deployed.client("cloudformation"), STACK)
    assert (info.job_name, info.workgroup, info.database) == (
        JOB, "image-metadata", "image_metadata")


def test_missing_stack_is_a_clear_error(deployed, capsys):
    assert main(["aws", "start-run", "--stack", "NoSuchStack"]) == 1
    assert "cannot read stack 'NoSuchStack'" in capsys.readouterr().err


def test_start_run_passes_only_the_given_arguments(deployed, capsys):
    assert main(["aws", "start-run", "--stack", STACK, "--manifest", "s3://images/m/a.csv",
                 "--concurrency", "8"]) == 0
    run = last_run(deployed)
    assert run["Arguments"]["--manifest"] == "s3://images/m/a.csv"
    assert run["Arguments"]["--concurrency"] == "8"
    assert "--run_id" not in run["Arguments"]
    assert f"started {JOB} run {run['Id']}" in capsys.readouterr().out


def test_start_run_sends_only_job_arguments_that_glue_does_not_reserve(deployed):
    assert main(["aws", "start-run", "--stack", STACK, "--manifest", "s3://images/m/",
                 "--output", "s3://metadata/", "--run-id", "batch-7", "--concurrency", "8",
                 "--partitions", "40", "--url-column", "link", "--id-column", "key",
                 "--max-bytes", "10MiB", "--allow-network", "10.0.0.0/8",
                 "--allow-network", "192.168.0.0/16"]) == 0
    sent = last_run(deployed)["Arguments"]
    assert set(sent) <= {a.flag for a in JOB_ARGUMENTS}
    assert not {name.lstrip("-") for name in sent} & GLUE_ARGUMENTS
    assert len(sent) == 9


def test_the_job_reads_back_what_start_run_sent(deployed):
    """The run's arguments over the job's defaults, read by awsglue as the job reads them."""
    assert main(["aws", "start-run", "--stack", STACK, "--run-id", "batch-8", "--max-bytes",
                 "10MiB", "--allow-network", "10.0.0.0/8", "--allow-network",
                 "192.168.0.0/16"]) == 0
    run = last_run(deployed)
    job = deployed.client("glue").get_job(JobName=JOB)["Job"]
    merged = {**job["DefaultArguments"], **run["Arguments"], "--output": "s3://metadata/"}
    argv = ["script", "--JOB_RUN_ID", run["Id"]]
    for name, value in merged.items():
        argv += [name, value]
    config = config_from_job_arguments(read_job_arguments(argv, getResolvedOptions))
    assert (config.manifest, config.run_id) == ("s3://images/manifests/", "batch-8")
    assert config.extract.max_bytes == 10 * 1024 * 1024
    assert config.extract.fetch.allowed_networks == ("10.0.0.0/8", "192.168.0.0/16")


@pytest.mark.parametrize("option", [["--max-bytes", "lots"], ["--concurrency", "0"],
                                    ["--allow-network", "intranet"], ["--run-id", "a b"],
                                    ["--max-bytes", "9" * 400]])
def test_start_run_refuses_a_bad_value_before_calling_glue(deployed, option, capsys):
    before = len(deployed.client("glue").get_job_runs(JobName=JOB)["JobRuns"])
    with pytest.raises(SystemExit) as stopped:
        main(["aws", "start-run", "--stack", STACK, *option])
    assert stopped.value.code == 2
    assert option[0] in capsys.readouterr().err
    assert len(deployed.client("glue").get_job_runs(JobName=JOB)["JobRuns"]) == before


@pytest.mark.parametrize("option", [["--manifest", ""], ["--manifest", "relative/m.csv"],
                                    ["--output", "/tmp/out"]])
def test_start_run_refuses_a_location_glue_cannot_use_before_any_aws_call(option, capsys,
                                                                          monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    assert main(["aws", "start-run", "--stack", STACK, *option]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and option[0] in error and "s3://" in error


def test_wait_follows_the_run_through_its_states(deployed, manual_glue_states, capsys):
    assert main(["aws", "start-run", "--stack", STACK, "--wait", "--poll-seconds", "0"]) == 0
    out = capsys.readouterr().out
    assert out.index("RUNNING") < out.index("SUCCEEDED")
    assert f"{JOB} run {last_run(deployed)['Id']}: SUCCEEDED after 123s" in out


def test_failed_run_exits_non_zero_with_the_glue_error(deployed, monkeypatch, capsys):
    # moto's job runs always succeed; the server is told to report this one as Glue would.
    from moto.glue.models import FakeJobRun

    plain = FakeJobRun.as_dict

    def failing(self):
        result = plain(self)
        if (self.arguments or {}).get("--manifest", "").endswith("broken.csv"):
            result.update(JobRunState="FAILED",
                          ErrorMessage="ManifestError: manifest s3://images/broken.csv has no "
                                       "'url' column")
        return result

    monkeypatch.setattr(FakeJobRun, "as_dict", failing)
    code = main(["aws", "start-run", "--stack", STACK, "--job-name", JOB, "--manifest",
                 "s3://images/broken.csv", "--wait", "--poll-seconds", "0"])
    captured = capsys.readouterr()
    assert code == 1
    assert ": FAILED" in captured.out
    assert "has no 'url' column" in captured.err


def seed_athena(endpoint: str, header: list[str], rows: list[list[str]]) -> None:
    table = [{"Data": [{"VarCharValue": v} for v in header]}]
    table += [{"Data": [{"VarCharValue": v} for v in row]} for row in rows]
    moto_api(endpoint, "/moto-api/static/athena/query-results", {"results": [{"rows": table}]})


def test_named_query_runs_its_sql_in_the_stack_workgroup(deployed, moto_endpoint, capsys):
    seed_athena(moto_endpoint, ["make", "model", "images"], [["Canon", "EOS R5", "12"]])
    assert main(["aws", "query", "camera_models", "--stack", STACK, "--format", "csv",
                 "--poll-seconds", "0"]) == 0
    assert capsys.readouterr().out.splitlines() == ["make,model,images", "Canon,EOS R5,12"]
    athena = deployed.client("athena")
    executions = athena.list_query_executions(WorkGroup="image-metadata")["QueryExecutionIds"]
    sent = athena.get_query_execution(QueryExecutionId=executions[-1])["QueryExecution"]
    assert sent["Query"] == queries.get("camera_models").sql
    assert sent["QueryExecutionContext"]["Database"] == "image_metadata"


def test_plain_sql_is_sent_as_given(deployed, moto_endpoint, capsys):
    seed_athena(moto_endpoint, ["n"], [["3"]])
    code = main(["aws", "query", "SELECT count(*) AS n FROM failures", "--workgroup",
                 "image-metadata", "--database", "image_metadata", "--poll-seconds", "0"])
    assert code == 0
    assert capsys.readouterr().out.splitlines() == ["n", "-", "3", "(1 row)"]


def test_start_run_over_a_prefix_is_read_back_as_a_listing_over_the_default_manifest(deployed):
    assert main(["aws", "start-run", "--stack", STACK, "--images", "s3://images/photos/",
                 "--include", "*.jpg", "--include", "*.heic", "--exclude", "thumbs/*"]) == 0
    run = last_run(deployed)
    assert {k: run["Arguments"][k] for k in ("--images", "--include", "--exclude")} == {
        "--images": "s3://images/photos/", "--include": "*.jpg,*.heic",
        "--exclude": "thumbs/*"}
    job = deployed.client("glue").get_job(JobName=JOB)["Job"]
    argv = ["script", "--JOB_RUN_ID", run["Id"], "--output", "s3://metadata/"]
    for name, value in {**job["DefaultArguments"], **run["Arguments"]}.items():
        argv += [name, value]
    config = config_from_job_arguments(read_job_arguments(argv, getResolvedOptions))
    assert (config.images, config.manifest) == ("s3://images/photos/", "")
    assert (config.include, config.exclude) == (("*.jpg", "*.heic"), ("thumbs/*",))


@pytest.mark.parametrize("option", [
    ["--manifest", "s3://images/m.csv", "--images", "s3://images/photos/"],
    ["--include", "*.jpg"], ["--images", "s3://images/p/", "--include", "a,b"],
    ["--images", "photos/"], ["--images", "s3://images/p/", "--retry-failures", "only"]])
def test_start_run_refuses_inputs_that_do_not_go_together_before_any_aws_call(
        option, capsys, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    assert main(["aws", "start-run", "--stack", STACK, *option]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("argv", [
    ["extract", "--images", "s3://images/photos/", "--output", "OUT"],
    ["extract", "s3://images/manifests/m.csv", "--output", "OUT"]])
def test_an_unknown_profile_stops_a_local_run_in_one_line_too(argv, capsys, monkeypatch,
                                                             tmp_path):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_PROFILE", "nope")
    argv = [str(tmp_path / "out") if a == "OUT" else a for a in argv]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "nope" in error


def test_an_unknown_profile_is_one_line_and_exit_2(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    assert main(["aws", "start-run", "--stack", STACK, "--profile", "nope"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "nope" in error and "list-profiles" in error
