"""Session-wide fixtures: one SparkSession, one moto server, one HTTP image server per run."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.http_server import ImageServer

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
_SYNTHESIS_FIXTURES = {"assembly", "lake_assembly"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that synthesize the CDK app are marked ``synth`` (mutation runs leave them out:
    they need the whole project, and a synthesis per mutant would take hours)."""
    for item in items:
        if _SYNTHESIS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.synth)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A real moto server over HTTP; boto3 reaches it through AWS_ENDPOINT_URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    saved = {k: os.environ.get(k) for k in _AWS_ENV}
    os.environ.update({
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    yield endpoint
    server.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


_AWS_ENV = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_EC2_METADATA_DISABLED")


@pytest.fixture(scope="session")
def s3(moto_endpoint: str):
    import boto3

    return boto3.session.Session().client("s3")


@pytest.fixture(scope="session")
def spark(moto_endpoint: str):
    from image_metadata.job.pipeline import local_session

    # Spark's Python workers inherit the JVM's environment: started without coverage's
    # variable, they are not traced (tracing a million rows there costs minutes; the code
    # they run is measured in this process).
    coverage_config = os.environ.pop("COVERAGE_PROCESS_CONFIG", None)
    try:
        # local[2,4]: two cores, and a failed task is retried as on a cluster (4 attempts).
        session = local_session("local[2,4]", app_name="image-metadata-tests")
    finally:
        if coverage_config is not None:
            os.environ["COVERAGE_PROCESS_CONFIG"] = coverage_config
    yield session
    session.stop()


@pytest.fixture(scope="session")
def http_server() -> Iterator[ImageServer]:
    server = ImageServer().start()
    yield server
    server.stop()


@pytest.fixture()
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS


@dataclass(frozen=True)
class Assembly:
    """The one synthesis of this test run: ``npx cdk synth`` of app.py, as a user runs it."""

    directory: Path
    template: dict[str, Any]
    report: dict[str, Any]

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.template["Resources"].items() if v["Type"] == kind}

    def one(self, kind: str) -> dict[str, Any]:
        found = list(self.resources(kind).values())
        assert len(found) == 1, f"expected one {kind}, found {len(found)}"
        return found[0]["Properties"]


@pytest.fixture(scope="session")
def assembly(tmp_path_factory) -> Assembly:
    out = tmp_path_factory.mktemp("cdk.out")
    env = {**os.environ, "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
           "CDK_DISABLE_CLI_TELEMETRY": "true"}
    done = subprocess.run(
        ["npx", "--no-install", "cdk", "synth", "--quiet", "--output", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, f"cdk synth failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return Assembly(
        directory=out,
        template=json.loads((out / "ImageMetadata.template.json").read_text()),
        report=json.loads((out / "validation-report.json").read_text()),
    )


LAKE_KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
LAKE_QUALIFIER = "lake2024"
LAKE = {"stack_name": "DataLake", "existing_image_bucket": "corp-lake",
        "image_prefixes": ["raw/photos/"], "manifest_prefix": "manifests/",
        "image_kms_key_arn": LAKE_KEY, "destroy_data_on_delete": True,
        # It runs by itself and tells someone: the schedule, the event path, the e-mail.
        "schedule": "cron(0 3 * * ? *)", "new_image_events": True,
        "alarm_email": "photo-ops@example.com", "max_failure_percent": 20}


@pytest.fixture(scope="session")
def lake_assembly(tmp_path_factory) -> Assembly:
    """The second synthesis of this run, in process: the data-lake dev variant (an existing
    images bucket read under two prefixes, SSE-KMS, destroyable) in an account bootstrapped
    with its own qualifier."""
    from app import build_app

    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    context["image_metadata"] = LAKE
    context["@aws-cdk/core:bootstrapQualifier"] = LAKE_QUALIFIER
    out = tmp_path_factory.mktemp("cdk.out.lake")
    cloud_assembly = build_app(context, outdir=str(out)).synth()
    return Assembly(
        directory=out,
        template=cloud_assembly.get_stack_by_name("DataLake").template,
        report=json.loads((out / "validation-report.json").read_text()),
    )


@pytest.fixture(scope="session")
def demo_output(spark, tmp_path_factory) -> Path:
    """The demo data set (make demo's) extracted once by the Spark job."""
    from image_metadata import samples
    from image_metadata.extract import ExtractSettings
    from image_metadata.fetch.clients import FetchSettings
    from image_metadata.job import pipeline

    folder = tmp_path_factory.mktemp("demo")
    manifest = samples.write_demo_set(folder / "input")
    output = folder / "output"
    settings = ExtractSettings(allow_local_files=True, fetch=FetchSettings(retries=0))
    pipeline.run(spark, pipeline.RunConfig(str(manifest), str(output), run_id="demo",
                                           extract=settings))
    return output


CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright (no downloaded browser build)."""
    import shutil

    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.fail("chromium is not installed: run `make browser` (apt-get install chromium)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()
