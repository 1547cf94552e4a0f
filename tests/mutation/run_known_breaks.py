"""Apply each known break (known_breaks.py) to a copy of the project and run its tests.

    .venv/bin/python -m tests.mutation.run_known_breaks [--only NAME-SUBSTRING] [--report FILE]

A break is *killed* when its tests fail or time out, *survived* when they pass. Before the
breaks, the same tests run on the unbroken copy and must pass: a test that fails for another
reason would otherwise count as a kill. Exit code 1 when any break survives.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.mutation.known_breaks import BREAKS, Break

ROOT = Path(__file__).resolve().parents[2]
# Big or generated trees: linked into the copy, not copied (none of them is ever broken).
LINKED = ("node_modules", "layers/dist", ".venv", ".venv-glue")
SKIPPED = {".git", "cdk.out", "mutants", "demo", "build", ".pytest_cache", ".ruff_cache",
           "__pycache__", ".hypothesis"}
PER_BREAK_TIMEOUT = 600  # seconds; pytest-timeout bounds each test well below this


def copy_project(target: Path) -> None:
    def ignore(folder: str, entries: list[str]) -> set[str]:
        here = Path(folder).relative_to(ROOT)
        return {e for e in entries if e in SKIPPED or str(here / e) in LINKED}

    shutil.copytree(ROOT, target, ignore=ignore, symlinks=True)
    for name in LINKED:
        if (ROOT / name).exists():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).symlink_to(ROOT / name)


def apply(copy: Path, brk: Break) -> None:
    path = copy / brk.path
    text = path.read_text()
    found = text.count(brk.old)
    if found != 1:
        raise SystemExit(f"known break {brk.name!r}: its text occurs {found} times in "
                         f"{brk.path} (expected once); update tests/mutation/known_breaks.py")
    path.write_text(text.replace(brk.old, brk.new))


def run_tests(copy: Path, tests: tuple[str, ...]) -> tuple[int, float, str]:
    env = {**os.environ, "PYTHONPATH": f"{copy / 'glue_jobs'}{os.pathsep}{copy}",
           "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
             "--timeout", "120", *tests],
            cwd=copy, env=env, capture_output=True, text=True, timeout=PER_BREAK_TIMEOUT)
    except subprocess.TimeoutExpired:
        return -1, time.monotonic() - started, "(timed out)"
    tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-3:])
    return done.returncode, time.monotonic() - started, tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run the breaks whose name contains this")
    parser.add_argument("--report", type=Path, help="write a Markdown table of the results")
    args = parser.parse_args(argv)
    chosen = [b for b in BREAKS if not args.only or args.only in b.name]
    rows: list[tuple[str, str, float]] = []
    with tempfile.TemporaryDirectory(prefix="imgmeta-breaks-") as scratch:
        base = Path(scratch) / "project"
        copy_project(base)
        tests = tuple(dict.fromkeys(t for b in chosen for t in b.tests))
        code, seconds, tail = run_tests(base, tests)
        if code != 0:
            print(f"the tests fail on the unbroken project ({seconds:.0f} s):\n{tail}",
                  file=sys.stderr)
            return 2
        print(f"unbroken: {len(tests)} test targets pass ({seconds:.0f} s)")
        for brk in chosen:
            copy = Path(scratch) / "broken"
            shutil.rmtree(copy, ignore_errors=True)
            copy_project(copy)
            apply(copy, brk)
            code, seconds, tail = run_tests(copy, brk.tests)
            verdict = "survived" if code == 0 else "killed"
            rows.append((brk.name, verdict, seconds))
            print(f"{verdict:8}  {seconds:6.1f} s  {brk.name}", flush=True)
            if code == 0:
                print(f"          {tail}")
    survived = [r for r in rows if r[1] == "survived"]
    if args.report:
        lines = ["| break | result | seconds |", "|---|---|---|"]
        lines += [f"| {name} | {verdict} | {seconds:.0f} |" for name, verdict, seconds in rows]
        args.report.write_text("\n".join(lines) + "\n")
    print(f"{len(rows) - len(survived)} of {len(rows)} known breaks killed")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
