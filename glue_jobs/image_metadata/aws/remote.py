"""The deployed stack from a workstation: start and follow Glue job runs, run Athena queries.

boto3 clients are passed in (created by the caller), so tests hand in clients of a moto
server and nothing here reads the environment.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from image_metadata.exceptions import ImageMetadataError

log = logging.getLogger(__name__)
GLUE_DONE = {"SUCCEEDED", "FAILED", "ERROR", "TIMEOUT", "STOPPED", "EXPIRED"}
ATHENA_DONE = {"SUCCEEDED", "FAILED", "CANCELLED"}


class RemoteError(ImageMetadataError):
    """A remote call failed or a run ended badly; the message says what and where."""


@dataclass(frozen=True)
class StackInfo:
    job_name: str
    workgroup: str
    database: str
    manifest_location: str
    output_location: str


def stack_info(cloudformation: Any, stack_name: str) -> StackInfo:
    """Names of the deployed resources, from the stack's outputs."""
    from botocore.exceptions import ClientError

    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as e:  # the stack is missing, or not visible to these credentials
        raise RemoteError(
            f"cannot read stack {stack_name!r}: {e}. Deploy it with `npx cdk deploy`, or pass "
            "--stack with its name and --region with its region."
        ) from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    wanted = {"JobName": "job_name", "WorkGroup": "workgroup", "Database": "database",
              "ManifestLocation": "manifest_location", "OutputLocation": "output_location"}
    missing = sorted(set(wanted) - set(outputs))
    if missing:
        raise RemoteError(f"stack {stack_name!r} has no outputs {missing}; found {sorted(outputs)}")
    return StackInfo(**{field: outputs[key] for key, field in wanted.items()})


def start_run(glue: Any, job_name: str, arguments: dict[str, str]) -> str:
    """Start a job run with ``arguments`` ('--name': value, as ``settings.job_run_arguments``
    writes them) on top of the job's default arguments."""
    try:
        response = glue.start_job_run(JobName=job_name, Arguments=arguments)
    except Exception as e:
        raise RemoteError(f"cannot start Glue job {job_name!r}: {e}") from None
    return response["JobRunId"]


def wait_for_run(
    glue: Any,
    job_name: str,
    run_id: str,
    *,
    poll_seconds: float = 30.0,
    on_state: Callable[[str, float], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Poll until the run ends; report each new state once; return the final JobRun."""
    started = time.monotonic()
    seen = None
    while True:
        try:
            run = glue.get_job_run(JobName=job_name, RunId=run_id)["JobRun"]
        except Exception as e:
            raise RemoteError(f"cannot read run {run_id} of {job_name!r}: {e}") from None
        state = run["JobRunState"]
        if state != seen and on_state is not None:
            on_state(state, time.monotonic() - started)
        seen = state
        if state in GLUE_DONE:
            return run
        sleep(poll_seconds)


def run_query(
    athena: Any,
    sql: str,
    *,
    workgroup: str,
    database: str,
    poll_seconds: float = 1.0,
    max_rows: int = 1000,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[list[str], list[list[str | None]]]:
    """Run ``sql`` in the workgroup; return column names and up to ``max_rows`` rows."""
    try:
        execution_id = athena.start_query_execution(
            QueryString=sql, WorkGroup=workgroup, QueryExecutionContext={"Database": database}
        )["QueryExecutionId"]
    except Exception as e:
        raise RemoteError(f"cannot start the query in workgroup {workgroup!r}: {e}") from None
    while True:
        try:
            status = athena.get_query_execution(QueryExecutionId=execution_id)[
                "QueryExecution"]["Status"]
        except Exception as e:
            raise RemoteError(f"cannot read query {execution_id}: {e}") from None
        if status["State"] in ATHENA_DONE:
            break
        sleep(poll_seconds)
    if status["State"] != "SUCCEEDED":
        reason = status.get("StateChangeReason", "no reason given")
        raise RemoteError(f"query {execution_id} {status['State']}: {reason}")
    return _results(athena, execution_id, max_rows)


def _results(athena: Any, execution_id: str, max_rows: int) -> tuple[list[str], list[list]]:
    rows: list[list[str | None]] = []
    columns: list[str] = []
    token = None
    first_page = True
    while len(rows) < max_rows + 1:
        kwargs = {"QueryExecutionId": execution_id, "MaxResults": 1000}
        if token:
            kwargs["NextToken"] = token
        page = athena.get_query_results(**kwargs)
        result = page["ResultSet"]
        if first_page:
            info = result.get("ResultSetMetadata", {}).get("ColumnInfo", [])
            columns = [c["Name"] for c in info]
        for row in result["Rows"]:
            rows.append([cell.get("VarCharValue") for cell in row["Data"]])
        if first_page and rows and (not columns or rows[0] == columns):
            columns = [str(v) for v in rows.pop(0)]  # Athena repeats the header as row one
        first_page = False
        token = page.get("NextToken")
        if not token:
            break
    return columns, rows[:max_rows]
