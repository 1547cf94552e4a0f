"""A Glue 5.1 job run, as close as this machine allows.

* Python: ``.venv-glue`` holds only what Glue 5.1 provides (``layers/glue-provided.txt``:
  PySpark 3.5.6, boto3 1.40.61, pyarrow 22.0.0, Pillow 12.0.0, ..., AWS's awsglue 5.1.0).
* Dependencies: the job's ``--additional-python-modules`` zip of wheels is installed on top of
  it with pip and the job's ``--python-modules-installer-option`` (``--no-index``), into an
  environment layered over the provided one, so the provided layer stays as Glue ships it.
* Start: Spark's own launcher (``spark-submit``) runs the script, as Glue does, with the argv
  Glue builds: the job's default arguments, the run's arguments over them, and the arguments
  Glue adds to every run; ``--conf`` values become Spark settings.

What differs from Glue: Spark runs ``local[2]`` instead of on a cluster, Glue's JVM classes are
absent (so the script runs on the launcher's plain session), and S3 locations are swapped for
local paths because Spark here has no S3A.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROVIDED = ROOT / ".venv-glue"
SITE = "lib/python3.11/site-packages"


def new_job_run_id() -> str:
    return f"jr_{secrets.token_hex(32)}"  # Glue's run ids: 'jr_' and 64 hex digits


def reserved_arguments(job_name: str, job_run_id: str, temp_dir: str) -> dict[str, str]:
    """The arguments Glue adds to every run of a job, whatever its definition says."""
    return {
        "--JOB_ID": f"j_{secrets.token_hex(32)}",
        "--JOB_RUN_ID": job_run_id,
        "--JOB_NAME": job_name,
        "--TempDir": temp_dir,
        "--job-bookmark-option": "job-bookmark-disable",
    }


def glue_argv(script: Path, reserved: Mapping[str, str], defaults: Mapping[str, str],
              run_arguments: Mapping[str, str]) -> list[str]:
    """sys.argv of the job run: a run's arguments replace the job's defaults key by key."""
    argv = [str(script)]
    for name, value in {**reserved, **defaults, **run_arguments}.items():
        argv += [name, value]
    return argv


def spark_settings(conf: str | None) -> list[str]:
    """Glue's ``--conf`` value as spark-submit options: 'k=v' or 'k1=v1 --conf k2=v2'."""
    if not conf:
        return []
    return [option for part in conf.split(" --conf ") for option in ("--conf", part.strip())]


@dataclass(frozen=True)
class GlueRun:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str


class GlueRuntime:
    """One job environment (provided modules + the bundle) in ``workdir``."""

    def __init__(self, workdir: Path) -> None:
        if not (PROVIDED / ".installed").is_file():
            raise RuntimeError(f"{PROVIDED} is missing: run `make glue-runtime`")
        self.workdir = workdir
        self.python = workdir / "job-python" / "bin" / "python"

    def install_modules(self, modules: str, installer_options: str, resolve: Mapping[str, Path]
                        ) -> str:
        """Install ``--additional-python-modules`` (S3 paths, resolved to local files through
        ``resolve``) the way Glue does; returns pip's output."""
        subprocess.run([str(PROVIDED / "bin" / "python"), "-m", "venv", "--without-pip",
                        str(self.workdir / "job-python")], check=True, timeout=120)
        site = self.workdir / "job-python" / SITE
        (site / "glue-provided.pth").write_text(f"{PROVIDED / SITE}\n")
        output = []
        for entry in (e.strip() for e in modules.split(",") if e.strip()):
            if not entry.endswith(".gluewheels.zip"):
                raise ValueError(f"only zips of wheels are modelled here, not {entry}")
            local = resolve[entry]
            unpacked = self.workdir / "modules" / local.stem
            with zipfile.ZipFile(local) as archive:
                archive.extractall(unpacked)
            wheels = unpacked / "wheels"
            done = subprocess.run(
                [str(PROVIDED / "bin" / "python"), "-m", "pip", "--python", str(self.python),
                 "install", "--disable-pip-version-check", *installer_options.split(),
                 "--find-links", str(wheels), "-r", str(wheels / "requirements.txt")],
                capture_output=True, text=True, timeout=300,
            )
            if done.returncode != 0:
                raise RuntimeError(f"pip could not install {entry}:\n{done.stdout}\n{done.stderr}")
            output.append(done.stdout)
        return "\n".join(output)

    def submit(self, argv: list[str], conf: list[str], env: Mapping[str, str],
               timeout: float = 300) -> GlueRun:
        """Start the script in ``argv[0]`` under spark-submit with the job's Python."""
        launcher = PROVIDED / "bin" / "spark-submit"
        clean = {k: v for k, v in env.items()
                 if k not in ("PYTHONPATH", "VIRTUAL_ENV", "SPARK_HOME", "PYSPARK_SUBMIT_ARGS")}
        clean.update({
            "PYSPARK_PYTHON": str(self.python),
            "PYSPARK_DRIVER_PYTHON": str(self.python),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "TZ": "UTC",  # Glue's hosts run in UTC
            "PYTHONDONTWRITEBYTECODE": "1",
        })
        command = [str(launcher), "--master", "local[2]",
                   "--conf", "spark.ui.enabled=false",
                   "--conf", "spark.driver.extraJavaOptions=-Duser.timezone=UTC",
                   "--conf", "spark.executor.extraJavaOptions=-Duser.timezone=UTC",
                   *conf, argv[0], *argv[1:]]
        done = subprocess.run(command, env=clean, capture_output=True, text=True,
                              timeout=timeout, cwd=self.workdir)
        return GlueRun(argv, done.returncode, done.stdout, done.stderr)


def script_from(script_location: str, deployed_from: Path, workdir: Path) -> Path:
    """The job's ScriptLocation, copied alone into ``workdir`` as Glue downloads it: no
    checkout beside it, so the library can only come from the installed bundle."""
    name = script_location.rsplit("/", 1)[-1]
    target = workdir / "script" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(deployed_from / name, target)
    return target


def environment() -> dict[str, str]:
    return dict(os.environ)
