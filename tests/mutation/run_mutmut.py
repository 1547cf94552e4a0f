"""Mutation testing of the modules where a silent bug loses rows or lets a URL in, with mutmut.

    .venv/bin/python -m tests.mutation.run_mutmut [--group NAME ...] [--jobs N] [--fresh]
                                                  [--report-only]

The modules come in groups, each with the tests that specify them (GROUPS). mutmut needs the
package where it can find it by path (``src/image_metadata``) and tests that import it by
name, so each group runs in a workspace, ``build/mutation/<group>/``, holding a copy of the
library, the tests and the files they read. Workspaces are kept between runs: mutmut then
re-tests only the functions that changed, and the survivors of the last run that no entry of
``equivalent.toml`` explains are tested again against the tests added since (``--fresh``
starts over). Only tests that run in one process without Spark or a CDK synthesis are used;
Spark only moves these modules' values.

Each surviving mutant is either killed by a test or explained in ``equivalent.toml`` (an entry
explains one survivor, or ``count`` of them when one text stands for several); the results,
with the diff of every unexplained survivor, go to ``tests/mutation/results.md``. Exit code 1
when fewer than TARGET of the non-equivalent mutants are killed, when some were not run, when
a group's workspace holds other code than the project's, or when an explanation matches no
survivor or more than its count.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKSPACE = ROOT / "build" / "mutation"
RESULTS = ROOT / "tests" / "mutation" / "results.md"
EQUIVALENT = ROOT / "tests" / "mutation" / "equivalent.toml"
TARGET = 0.90

# Where a silent bug loses a row or lets a URL in (issue list: accounting, manifest reading
# and staging, URL rules, the address guard, secret masking, sources with their deadline and
# the ranged file, the Glue entry's argument mapping, GPS and EXIF conversion with the IFD
# reader and text decoding under it), each with the tests that specify it: a module's
# mutants must be killed by its own tests, not by whatever else happens to call it (and a URL
# rule's mutant is then not run against the thousand tests that parse a URL on the way).
GROUPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "accounting": (("job/accounting",), ("tests/unit/test_accounting.py",
                                     "tests/unit/test_cli_exit_codes.py")),
    "gps-exif": (("tags/gps", "tags/exif", "tags/ifd", "tags/text"), (
        "tests/unit/test_gps.py", "tests/unit/test_exif.py", "tests/unit/test_exif_values.py",
        "tests/unit/test_ifd.py", "tests/unit/test_text.py")),
    "camera": (("tags/camera", "tags/exif_labels", "tags/exif_names", "tags/makernotes",
                "tags/capture_time"), (
        "tests/unit/test_camera_settings.py", "tests/integration/test_exif_labels_exiftool.py",
        "tests/unit/test_makernotes.py", "tests/unit/test_capture_time.py")),
    "settings": (("job/settings",), ("tests/unit/test_settings.py", "tests/unit/test_glue_entry.py",
                                 "tests/unit/test_fetch_defaults.py",
                                 "tests/unit/test_readme.py")),
    "manifest": (("job/manifest", "job/manifest_rows", "job/manifest_stage"), (
        "tests/unit/test_manifest.py", "tests/unit/test_manifest_rows.py",
        "tests/unit/test_manifest_records.py", "tests/unit/test_manifest_messages.py",
        "tests/unit/test_manifest_reading_edges.py", "tests/unit/test_hostile_manifests.py",
        "tests/unit/test_manifest_stage.py", "tests/integration/test_manifest_s3.py")),
    "urls-netguard": (("fetch/urls", "fetch/netguard"), (
        "tests/unit/test_urls.py", "tests/unit/test_netguard.py",
        "tests/integration/test_untrusted_urls.py", "tests/integration/test_netguard_dns.py",
        "tests/integration/test_faults.py::test_secrets_in_urls_never_reach_messages_or_logs",
        "tests/integration/test_faults.py::test_secrets_of_s3_requests_never_reach_the_logs",
        # The guard's deadline-bound connection classes serve S3 and pooled connections too.
        "tests/integration/test_faults.py::test_an_s3_read_ends_at_the_bound_whatever_the_endpoint_does",
        "tests/integration/test_faults.py::"
        "test_an_image_that_timed_out_does_not_cut_the_connection_another_image_reuses")),
    "rangedfile": (("fetch/rangedfile",), ("tests/unit/test_rangedfile.py",
                                     "tests/integration/test_ranged_equals_full.py")),
    "sources": (("fetch/clients", "fetch/source", "fetch/files", "fetch/http", "fetch/s3",
                 "fetch/sources", "fetch/deadline"), (
        "tests/unit/test_fetch_failures.py", "tests/unit/test_fetch_defaults.py",
        "tests/integration/test_faults.py", "tests/integration/test_sources_http.py",
        "tests/integration/test_sources_s3.py",
        "tests/integration/test_partition_concurrency.py")),
}
MODULES = tuple(m for modules, _tests in GROUPS.values() for m in modules)

# Files of the project that tests read besides the library (the Glue entry script, the README
# whose tables are generated, the stack's configuration).
ALSO_COPY = ("glue_jobs/extract_image_metadata.py", "README.md", "cdk.json", "app.py", "infra",
             "layers/requirements.txt", "layers/glue-provided.txt")
# Changing the tests of a group or PYTEST_ARGS makes mutmut discard that group's results.
PYTEST_ARGS = ("-p", "no:cacheprovider", "-m", "not spark and not corpus and not synth",
               # A mutant that makes a network test wait is a kill, not a hang; mutmut's own
               # limit counts CPU seconds, which a waiting test does not use.
               "--timeout", "60")

def _status(code: int | None) -> str:
    from mutmut.stats import status_by_exit_code  # the mutmut pinned in requirements-dev.txt

    return status_by_exit_code[code]


def workspace(group: str) -> Path:
    return WORKSPACE / group


def sync_workspace(group: str, fresh: bool) -> None:
    """The group's workspace: the library, the tests and the files they read, and a
    pyproject.toml that tells mutmut which modules to mutate and which tests to run."""
    place = workspace(group)
    if fresh:
        shutil.rmtree(place, ignore_errors=True)
    place.mkdir(parents=True, exist_ok=True)
    _mirror(ROOT / "glue_jobs" / "image_metadata", place / "src" / "image_metadata")
    _mirror(ROOT / "tests", place / "tests")
    for name in ALSO_COPY:
        source = ROOT / name
        if source.is_dir():
            _mirror(source, place / name)
        else:
            (place / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, place / name)
    modules, tests = GROUPS[group]
    config = {
        "source_paths": ["src"],
        "only_mutate": [f"src/image_metadata/{m}.py" for m in modules],
        "pytest_add_cli_args": list(PYTEST_ARGS),
        "pytest_add_cli_args_test_selection": list(tests),
        "also_copy": sorted({Path(name).parts[0] for name in ALSO_COPY}),
        # Tests start servers and thread pools: workers are forked from a process that has
        # only collected the tests, never from one that ran them.
        "process_isolation": "forkserver",
    }
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pytest_ini = project["tool"]["pytest"]["ini_options"]
    text = "[tool.mutmut]\n" + _toml(config) + "\n[tool.pytest.ini_options]\n" + _toml(pytest_ini)
    target = place / "pyproject.toml"
    if not target.exists() or target.read_text() != text:
        target.write_text(text)
    (place / "mutants").mkdir(exist_ok=True)
    (place / "mutants" / "conftest.py").write_text(FASTEST_FIRST)
    for module in modules:
        # A module new to the group has a plain copy under mutants/, newer than its source:
        # mutmut would take it as mutated already and make no mutants of it.
        if not _meta(group, module).exists():
            (place / "mutants" / "src" / "image_metadata" / f"{module}.py").unlink(
                missing_ok=True)


# Loaded by pytest from the workspace's mutants/ folder (the tests' root): the tests that call
# a mutant's function run fastest first, so that with mutmut's -x the first that fails ends
# the run early. mutmut passes them as an unordered set.
FASTEST_FIRST = '''"""Written by tests/mutation/run_mutmut.py: a mutant's tests, fastest first."""
import json
import os


def pytest_collection_modifyitems(session, config, items):
    if os.environ.get("MUTANT_UNDER_TEST", "") in ("", "stats", "list_all_tests"):
        return
    try:
        with open("mutmut-stats.json") as stats:
            seconds = json.load(stats)["duration_by_test"]
    except (OSError, ValueError, KeyError):
        return
    items.sort(key=lambda item: seconds.get(item.nodeid, 0.0))
'''


def _toml(values: dict) -> str:
    return "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())


def _mirror(source: Path, target: Path) -> None:
    """Copy ``source`` over ``target`` keeping modification times (mutmut re-tests a file
    only when it changed), and drop what ``source`` no longer has."""
    wanted = set()
    for path in source.rglob("*"):
        if "__pycache__" in path.parts or path.is_dir():
            continue
        relative = path.relative_to(source)
        wanted.add(relative)
        copy = target / relative
        if not copy.exists() or copy.stat().st_mtime != path.stat().st_mtime:
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)
    for path in list(target.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts \
                and path.relative_to(target) not in wanted:
            path.unlink()


def remap_tests(group: str) -> None:
    """mutmut maps each function to the tests that call it once, then traces only tests
    added since: a function added later, or a test changed to call another function, would
    be missing from the map (its mutants "no tests", or not run against that test). The map
    is made again on every run (every test counts as new: one traced run of the group's
    tests), and the mutants it had left without tests are tested. The rest of the stats file
    stays, with the configuration mutmut compares to discard stale results."""
    stats = workspace(group) / "mutants" / "mutmut-stats.json"
    if stats.exists():
        data = json.loads(stats.read_text())
        data.update(tests_by_mangled_function_name={}, duration_by_test={},
                    function_dependencies={})
        stats.write_text(json.dumps(data))
    for module in GROUPS[group][0]:
        meta = _meta(group, module)
        if not meta.exists():
            continue
        data = json.loads(meta.read_text())
        codes = data["exit_code_by_key"]
        untested = [name for name, code in codes.items() if _status(code) == "no tests"]
        if untested:
            codes.update(dict.fromkeys(untested))
            meta.write_text(json.dumps(data))


def stale_copies(group: str) -> list[str]:
    """Files the group's results depend on whose workspace copy differs from the project's:
    the library, the group's own tests, and what tests share (conftest files, helpers,
    tests/support). Its results are then of other code or other tests than the project's."""
    place = workspace(group)
    own = {test.split("::", 1)[0] for test in GROUPS[group][1]}
    differing = []
    for source, copy in ((ROOT / "glue_jobs" / "image_metadata", place / "src" / "image_metadata"),
                         (ROOT / "tests", place / "tests")):
        for path in sorted(source.rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "__pycache__" in path.parts or relative.startswith("tests/mutation/"):
                continue
            if source.name == "tests" and path.name.startswith("test_") and relative not in own:
                continue  # another group's tests
            twin = copy / path.relative_to(source)
            if not twin.exists() or twin.read_bytes() != path.read_bytes():
                differing.append(relative)
    return differing


def run_mutmut(group: str, jobs: int, names: list[str] | None = None) -> int:
    """``mutmut run``: every mutant not yet decided (new or changed functions), or, given
    ``names``, those mutants again."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": ""}
    mutmut = Path(sys.executable).with_name("mutmut")
    done = subprocess.run([str(mutmut), "run", "--max-children", str(jobs), *(names or [])],
                          cwd=workspace(group), env=env, stdout=subprocess.DEVNULL)
    return done.returncode


def _meta(group: str, module: str) -> Path:
    return workspace(group) / "mutants" / "src" / "image_metadata" / f"{module}.py.meta"


def survivors(group: str, equivalents: list[dict] | None = None) -> list[str]:
    """Mutants that survived the group's last run: tests added since may kill them now.
    With ``equivalents``, only those no entry explains (an explained one would survive
    again, at the cost of every test that calls its function)."""
    found = []
    for module in GROUPS[group][0]:
        meta = _meta(group, module)
        if meta.exists():
            codes = json.loads(meta.read_text())["exit_code_by_key"]
            found += [name for name, code in codes.items() if code == 0]
    if equivalents is None:
        return found
    unused: dict[int, list[str]] = {i: [] for i in range(len(equivalents))}
    return [name for name in found if not _survivor(group, name, equivalents, unused).why]


# mutmut's verdicts, as they count here. A test process that died (a crash, or killed at
# mutmut's CPU limit) noticed the mutant as surely as a failing test.
KILLED = ("killed", "timeout", "segfault", "caught by type check")
NOT_RUN = ("not checked", "check was interrupted by user", "suspicious", "skipped")


@dataclass
class Survivor:
    name: str
    function: str
    removed: list[str]
    added: list[str]
    diff: str
    why: str | None = None


@dataclass
class ModuleResult:
    module: str
    counts: dict[str, int] = field(default_factory=dict)
    survivors: list[Survivor] = field(default_factory=list)

    def count(self, statuses: tuple[str, ...]) -> int:
        return sum(self.counts.get(status, 0) for status in statuses)

    @property
    def equivalent(self) -> int:
        return sum(1 for s in self.survivors if s.why)

    @property
    def killed(self) -> int:
        return self.count(KILLED)

    @property
    def not_run(self) -> int:
        return self.count(NOT_RUN)

    @property
    def judged(self) -> int:
        """Mutants that count: every one tested, minus the equivalent ones."""
        return self.killed + self.counts.get("survived", 0) - self.equivalent


@dataclass
class Report:
    results: list[ModuleResult]
    # Entries of equivalent.toml that explain no survivor (a test kills it now, or the code
    # changed), or more survivors than their ``count`` says: each must be looked at again.
    unused: list[dict]
    overmatched: list[tuple[dict, list[str]]]
    stale: dict[str, list[str]]  # group -> project files its workspace holds another copy of

    @property
    def score(self) -> float:
        judged = sum(r.judged for r in self.results)
        return sum(r.killed for r in self.results) / judged if judged else 1.0

    @property
    def complete(self) -> bool:
        """Every mutant run, on the project's code as it is, every explanation in use."""
        return not (sum(r.not_run for r in self.results) or self.unused or self.overmatched
                    or self.stale or any(not r.counts for r in self.results))


def collect(equivalents: list[dict]) -> Report:
    matches: dict[int, list[str]] = {i: [] for i in range(len(equivalents))}
    results = []
    for group, (modules, _tests) in GROUPS.items():
        for module in modules:
            results.append(_module_result(group, module, equivalents, matches))
    unused = [entry for i, entry in enumerate(equivalents) if not matches[i]]
    overmatched = [(entry, matches[i]) for i, entry in enumerate(equivalents)
                   if len(matches[i]) > entry.get("count", 1)]
    stale = {group: files for group in GROUPS if workspace(group).exists()
             for files in [stale_copies(group)] if files}
    return Report(results, unused, overmatched, stale)


def _module_result(group: str, module: str, equivalents: list[dict],
                   matches: dict[int, list[str]]) -> ModuleResult:
    meta = _meta(group, module)
    result = ModuleResult(module)
    if meta.exists():
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        for name, code in codes.items():
            status = _status(code)
            result.counts[status] = result.counts.get(status, 0) + 1
            if status == "survived":
                result.survivors.append(_survivor(group, name, equivalents, matches))
    return result


def _diff(group: str, module: str, name: str) -> str:
    """The mutant's diff, as ``mutmut show`` prints it (read in this process: a process per
    survivor costs a second each)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant  # the pinned mutmut's

    here = Path.cwd()
    os.chdir(workspace(group))
    try:
        return get_diff_for_mutant(name, path=Path("src/image_metadata") / f"{module}.py")
    finally:
        os.chdir(here)


def _survivor(group: str, name: str, equivalents: list[dict],
              matches: dict[int, list[str]]) -> Survivor:
    module = next(m for m in GROUPS[group][0]
                  if name.startswith(f"image_metadata.{m.replace('/', '.')}.x"))
    diff = _diff(group, module, name)
    lines = diff.splitlines()
    removed = [x[1:].strip() for x in lines if x.startswith("-") and not x.startswith("---")]
    added = [x[1:].strip() for x in lines if x.startswith("+") and not x.startswith("+++")]
    function = re.sub(r"__mutmut_\d+$", "", name)
    survivor = Survivor(name, function, removed, added, diff.strip())
    for i, entry in enumerate(equivalents):
        if entry["function"] == function and _lines(entry["removed"]) == removed \
                and _lines(entry["added"]) == added:
            survivor.why = entry["why"]
            matches[i].append(name)
            break
    return survivor


def _first_line(entry: dict) -> str:
    """The line an entry's mutant writes; an entry for a removed line has none."""
    return (_lines(entry["added"]) or ["(the line removed)"])[0]


def _lines(value: str | list[str]) -> list[str]:
    """An entry's changed line, or lines when the mutant spans several."""
    return [value] if isinstance(value, str) else list(value)


def write_report(report: Report) -> float:
    results = report.results
    killed = sum(r.killed for r in results)
    judged = sum(r.judged for r in results)
    not_run = sum(r.not_run for r in results)
    score = report.score
    lines = [
        "# Mutation testing results",
        "",
        "Written by `make mutation` (mutmut; see tests/mutation/run_mutmut.py). A mutant is",
        "*killed* when a test fails, times out or dies with it; *equivalent* survivors are",
        "explained in tests/mutation/equivalent.toml; *no tests* means no selected test calls",
        "the function (Spark-only paths).",
        "",
        f"**Killed: {killed} of {judged} non-equivalent mutants ({score:.1%}); "
        f"target {TARGET:.0%}.**" + (f" {not_run} mutants were not run yet (an interrupted "
                                    "run): the figure is of those that were." if not_run else ""),
        "",
        "| module | mutants | killed | survived | equivalent | no tests | not run | score |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        total = sum(r.counts.values())
        survived = r.counts.get("survived", 0) - r.equivalent
        share = f"{r.killed / r.judged:.1%}" if r.judged else "-"
        lines.append(f"| `{r.module}.py` | {total} | {r.killed} | {survived} | "
                     f"{r.equivalent} | {r.counts.get('no tests', 0)} | "
                     f"{r.not_run} | {share} |")
    if report.stale:
        lines += ["", "## Groups run on other code than the project's now", "",
                  "Their figures are of the copies in their workspaces; run them again:", ""]
        lines += [f"- `{group}`: {len(files)} files differ, e.g. `{files[0]}`"
                  for group, files in report.stale.items()]
    if report.unused or report.overmatched:
        lines += ["", "## Explanations to look at again", ""]
        lines += [f"- `{e['function']}`: `{_first_line(e)}` explains no survivor "
                  "(killed now, or the code changed): remove it" for e in report.unused]
        lines += [f"- `{e['function']}`: `{_first_line(e)}` matches {len(names)} "
                  f"survivors ({', '.join(n.rsplit('_', 1)[-1] for n in names)}), more than "
                  f"its count of {e.get('count', 1)}: each must be equivalent"
                  for e, names in report.overmatched]
    lines += ["", "## Surviving mutants not explained as equivalent", ""]
    open_ones = [s for r in results for s in r.survivors if not s.why]
    if not open_ones:
        lines.append("None.")
    for s in open_ones:
        lines += [f"### `{s.name}`", "", "```diff", s.diff, "```", ""]
    RESULTS.write_text("\n".join(lines).rstrip() + "\n")
    return score


def _equivalents() -> list[dict]:
    return tomllib.loads(EQUIVALENT.read_text()).get("equivalent", [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--fresh", action="store_true", help="discard earlier results")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite results.md from the last run without running mutmut")
    parser.add_argument("--group", action="append", choices=sorted(GROUPS),
                        help="run only this group of modules (repeatable); default: all")
    args = parser.parse_args(argv)
    for group in args.group or ([] if args.report_only else list(GROUPS)):
        sync_workspace(group, args.fresh)
        remap_tests(group)
        earlier = survivors(group, _equivalents())
        started = time.monotonic()
        code = run_mutmut(group, args.jobs)
        if code == 0 and earlier:
            code = run_mutmut(group, args.jobs, earlier)
        if code != 0:
            print(f"mutmut stopped with exit code {code} in group {group}", file=sys.stderr)
            return 2
        print(f"{group}: done in {time.monotonic() - started:.0f} s", flush=True)
    report = collect(_equivalents())
    score = write_report(report)
    print(f"mutation score {score:.1%} (target {TARGET:.0%}): {RESULTS.relative_to(ROOT)}")
    if not report.complete:
        print("not every mutant was run on the project's code as it is, or an explanation "
              f"is out of date: see {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 0 if score >= TARGET and report.complete else 1


if __name__ == "__main__":
    sys.exit(main())
