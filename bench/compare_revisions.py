"""The cost of a change: this checkout's extraction against another revision's, on the same
files, in alternating runs.

    .venv/bin/python bench/compare_revisions.py BASE [--repeat 7]

BASE is any git revision (``HEAD~3``, a commit). It is checked out in a temporary worktree;
each side runs in its own process (pinned to core 0 where the machine allows), which reads
every benchmark file through the same ``extract_one`` the job uses, from local files, once
and then again in steady passes, and reports bytes read, CPU seconds per steady pass and the
first pass's extra CPU time (what each Spark Python worker pays once, not per image). The
best of ``--repeat`` runs of each side is compared,
the sides taking turns so that a busy machine weighs on both alike. Results go to
``bench/results/compare.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import corpus  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "compare.md"

# Runs in the measured side's own interpreter, with its library first on sys.path.
CHILD = r"""
import json, os, sys, time
try:
    os.sched_setaffinity(0, {0})
except (AttributeError, OSError):
    pass
from image_metadata.extract import ExtractSettings, extract_one
from image_metadata.fetch.clients import Clients, FetchSettings

files = json.loads(sys.argv[1])
settings = ExtractSettings(allow_local_files=True, concurrency=1)
clients = Clients(FetchSettings())
def rss_mb():  # the high-water mark survives exec on Linux: the current size it is
    with open("/proc/self/status") as status:
        line = next(l for l in status if l.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024
before = rss_mb()
# The first pass pays what a worker pays once (imports, plugin loading, lookup tables); the
# steady passes after it are the per-image cost that a partition of thousands repeats.
rows, read, started = 0, 0, time.process_time()
for path in files:
    row = extract_one("file://" + path, None, clients, settings, "bench")
    rows += row["status"] == "ok"
    read += row.get("bytes_read") or 0
first = time.process_time() - started
steady = []
for _ in range(int(sys.argv[2])):
    started = time.process_time()
    for path in files:
        extract_one("file://" + path, None, clients, settings, "bench")
    steady.append(time.process_time() - started)
after = rss_mb()
print(json.dumps({"ok": rows, "bytes_read": read, "cpu_seconds": min(steady),
                  "first_pass_seconds": first, "rss_mb": after, "rss_growth_mb": after - before}))
"""


STEADY_PASSES = 3

# Runs under callgrind: imports, then N passes. Two runs (1 and 3 passes) give one pass's
# instructions without the start-up's.
PASSES = r"""
import json, sys
from image_metadata.extract import ExtractSettings, extract_one
from image_metadata.fetch.clients import Clients, FetchSettings
files = json.loads(sys.argv[1])
settings = ExtractSettings(allow_local_files=True, concurrency=1)
clients = Clients(FetchSettings())
for _ in range(int(sys.argv[2])):
    for path in files:
        extract_one("file://" + path, None, clients, settings, "bench")
"""


def _instructions(library: Path, files: list[str]) -> float:
    """Instructions per image of a steady pass, counted by callgrind: the same count on a
    busy machine as on an idle one, where CPU seconds on a shared VM vary by a third."""
    counts = []
    for passes in (1, 3):
        env = {**os.environ, "PYTHONPATH": str(library), "PYTHONHASHSEED": "0"}
        done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                               sys.executable, "-c", PASSES, json.dumps(files), str(passes)],
                              env=env, capture_output=True, text=True, check=True)
        line = next(x for x in done.stderr.splitlines() if "Collected" in x)
        counts.append(int(line.split()[-1]))
    return (counts[1] - counts[0]) / 2 / len(files)


def _measure(library: Path, files: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(library)}
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(files), str(STEADY_PASSES)],
                          env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _extra_ms(run: dict) -> float:
    return (run["first_pass_seconds"] - run["cpu_seconds"]) * 1000


def _worktree(revision: str, folder: Path) -> Path:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(folder),
                    revision], check=True, capture_output=True)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="git revision to compare with")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions per image with valgrind's callgrind")
    args = parser.parse_args(argv)
    if args.instructions and shutil.which("valgrind") is None:
        print("compare_revisions: --instructions needs valgrind on PATH "
              "(apt-get install valgrind)", file=sys.stderr)
        return 2
    groups = {"exif-samples": [str(p) for p in corpus.shared_files()],
              "generated": [str(p) for p in corpus.generated_files()]}
    groups = {name: files for name, files in groups.items() if files}
    with tempfile.TemporaryDirectory() as temporary:
        base_tree = _worktree(args.base, Path(temporary) / "base")
        try:
            sides = {"base": base_tree / "glue_jobs", "this": ROOT / "glue_jobs"}
            results: dict[str, dict[str, dict]] = {}
            for group, files in groups.items():
                best: dict[str, dict] = {}
                for _ in range(args.repeat):
                    for side, library in sides.items():  # taking turns
                        run = _measure(library, files)
                        if side not in best or run["cpu_seconds"] < best[side]["cpu_seconds"]:
                            best[side] = run
                if args.instructions:
                    for side, library in sides.items():
                        best[side]["instructions"] = _instructions(library, files)
                results[group] = best
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(base_tree)], capture_output=True)
    lines = [f"# This checkout against {args.base}", "",
             f"Best of {args.repeat} alternating runs per side, one process each, local files. "
             f"Images/s per core: the best of {STEADY_PASSES} passes after a first pass, which "
             "pays what a worker pays once (imports, plugins, lookup tables: its extra CPU "
             "time is the last column).",
             "", "| corpus | images | bytes read (base → this) | images/s per core (base → "
             "this) | change | RSS MB after the run (base → this) | first pass extra, ms "
             "(base → this) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for group, best in results.items():
        base, this = best["base"], best["this"]
        count = len(groups[group])
        rate_base, rate_this = count / base["cpu_seconds"], count / this["cpu_seconds"]
        lines.append(
            f"| {group} | {count} | {base['bytes_read']:,} → {this['bytes_read']:,} | "
            f"{rate_base:,.0f} → {rate_this:,.0f} | {rate_this / rate_base - 1:+.1%} | "
            f"{base['rss_mb']:.0f} → {this['rss_mb']:.0f} | "
            f"{_extra_ms(base):,.0f} → {_extra_ms(this):,.0f} |")
    if args.instructions:
        lines += ["", "Instructions per image in a steady pass (valgrind callgrind, "
                  "PYTHONHASHSEED=0: repeatable to 0.1 %, unlike CPU seconds on a shared "
                  "machine):", "", "| corpus | base | this | change |", "|---|---:|---:|---:|"]
        for group, best in results.items():
            base_i, this_i = best["base"]["instructions"], best["this"]["instructions"]
            lines.append(f"| {group} | {base_i / 1e6:.3f} M | {this_i / 1e6:.3f} M | "
                         f"{this_i / base_i - 1:+.1%} |")
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
