"""The job role against the S3 requests S3A makes for the job's filesystem calls (Glue 5.1
reads and writes s3:// through S3A): every request of a run is allowed, and the same calls
anywhere else in the bucket are not. The request sequences: tests/support/s3a_requests.py."""

from __future__ import annotations

import pytest

from tests.support.s3a_requests import S3A, Request, spark_write
from tests.support.stack_template import job_role

RUN, DT = "jr_5e1f", "2026-12-01"
PART = "part-00000-7a1c.c000.snappy.parquet"
STAGING = f"_staging/{RUN}/3f9a1c2b7d4e"  # one folder per attempt of the run


def run_phases(images: S3A, metadata: S3A) -> dict[str, list[Request]]:
    """Each phase of pipeline.run as the S3A requests it makes."""
    commit = []
    for dataset in ("images", "failures"):
        final = f"{dataset}/dt={DT}"
        commit += [
            *metadata.list_status(dataset), *metadata.list_status(final),
            *metadata.mkdirs(final),
            *metadata.rename(f"{STAGING}/{dataset}/dt={DT}/{PART}", f"{final}/{RUN}~{PART}"),
            *metadata.delete(f"{final}/{RUN}~part-00000-old.c000.snappy.parquet",
                             [f"{final}/{RUN}~part-00000-old.c000.snappy.parquet"]),
        ]
    return {
        "read the manifest": [*images.list_status("manifests"),
                              *images.read("manifests/batch-1.csv")],
        "write the staged results": spark_write(metadata, f"{STAGING}/results", [PART]),
        "read the staged results": [*metadata.list_status(f"{STAGING}/results"),
                                    *metadata.read(f"{STAGING}/results/{PART}")],
        "write the staged datasets": [
            *spark_write(metadata, f"{STAGING}/images", [f"dt={DT}/{PART}"]),
            *spark_write(metadata, f"{STAGING}/failures", [f"dt={DT}/{PART}"])],
        "move the datasets in": commit,
        "write the run summary": metadata.create(f"runs/{RUN}.json"),
        "remove the staging": [
            *metadata.delete(STAGING, [f"{STAGING}/results/{PART}", f"{STAGING}/images/"]),
            *metadata.file_status(f"_staging/{RUN}"), *metadata.list_status(f"_staging/{RUN}"),
            *metadata.delete(f"_staging/{RUN}", []),
            *metadata.file_status("_staging"), *metadata.list_status("_staging"),
            *metadata.delete("_staging", [])],
    }


@pytest.fixture(scope="module")
def role(assembly):
    return job_role(assembly.template)


PHASES = list(run_phases(S3A("images-bucket"), S3A("metadata-bucket")))


@pytest.mark.parametrize("phase", PHASES)
def test_every_s3a_request_of_a_run_is_allowed(role, phase):
    requests = run_phases(S3A("images-bucket"), S3A("metadata-bucket"))[phase]
    denied = [f"{r.action} {r.resource} {r.context} ({r.why})" for r in requests
              if not role.allows(r.action, r.resource, r.context)]
    assert denied == []


def test_committer_cleanup_may_list_pending_uploads_of_the_metadata_bucket_only(role):
    assert role.allows("s3:ListBucketMultipartUploads", "arn:aws:s3:::metadata-bucket")
    for bucket in ("images-bucket", "athena-results-bucket", "someone-elses-bucket"):
        assert not role.allows("s3:ListBucketMultipartUploads", f"arn:aws:s3:::{bucket}")


@pytest.mark.parametrize("folder", ["other", "images-old", "_artifacts/glue", "runs2"])
def test_the_same_writes_elsewhere_in_the_metadata_bucket_are_denied(role, folder):
    metadata = S3A("metadata-bucket")
    writes = [r for r in spark_write(metadata, folder, [PART])
              if r.action in ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload")]
    assert writes
    assert not [r for r in writes if role.allows(r.action, r.resource, r.context)]


def test_a_lake_role_reads_manifests_through_s3a_under_its_manifest_prefix(lake_assembly):
    lake = S3A("corp-lake")
    requests = [*lake.list_status("manifests"), *lake.read("manifests/batch-1.csv")]
    lake_role = job_role(lake_assembly.template)
    assert [r for r in requests if not lake_role.allows(r.action, r.resource, r.context)] == []
