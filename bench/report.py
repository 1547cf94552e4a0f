"""The benchmark report: a markdown table per measurement, the targets met or missed."""

from __future__ import annotations

import json
from pathlib import Path

BYTES_TARGETS = {"JPEG": 5.0, "PNG": 10.0, "WebP": 10.0, "HEIF": 15.0, "TIFF": None}


def _rate(stats: dict) -> float:
    return stats["images"] / stats["seconds"] if stats["seconds"] else 0.0


def targets(report: dict) -> list[tuple[str, str, str, bool | None]]:
    """(target, measured, limit, met) rows."""
    rows: list[tuple[str, str, str, bool | None]] = []
    jpeg = report["bytes"].get("JPEG", {})
    if jpeg:
        per_image = jpeg["requests"] / jpeg["images"]
        rows.append(("requests per JPEG", f"{per_image:.2f}", "<= 1.3", per_image <= 1.3))
    for kind, limit in BYTES_TARGETS.items():
        values = report["bytes"].get(kind, {})
        if not values.get("large_file_bytes"):
            continue
        share = 100 * values["large_bytes_read"] / values["large_file_bytes"]
        rows.append((f"bytes read, {kind} files >= 1 MB", f"{share:.2f} %",
                     f"<= {limit:g} %" if limit else "report",
                     share <= limit if limit else None))
    for label in ("exif-samples", "generated"):
        local = report["local"][label]
        ours, tool, floor = (_rate(local[n]) for n in ("ours-1-thread", "exiftool",
                                                       "pillow-floor"))
        rows.append((f"CPU vs exiftool batch ({label})", f"{ours / tool:.1f}x", ">= 8x",
                     ours / tool >= 8))
        rows.append((f"CPU vs bare Pillow ({label})", f"{ours / floor:.2f}x", ">= 0.8x",
                     ours / floor >= 0.8))
    latency = report["latency"]
    pool = _rate(latency["ours-pool-32"])
    share = pool / latency["ceiling"]
    rows.append((f"latency hiding at {latency['latency_ms']:g} ms, one core, pool of 32",
                 f"{share:.0%} of {latency['ceiling']:.0f}/s", ">= 70 %", share >= 0.7))
    speedup = pool / _rate(latency["seed-style"])
    rows.append(("pool vs seed-style baseline", f"{speedup:.0f}x", ">= 20x", speedup >= 20))
    spark = report["spark"]
    ratio = spark["spark_seconds"] / spark["two_processes_seconds"]
    rows.append((f"Spark local[2] vs two processes ({spark['images']} images)",
                 f"{ratio:.2f}x", "<= 1.5x", ratio <= 1.5))
    memory = report["memory"]
    for label, key in (("200 MB image over HTTP", "huge_image_http_rss_mb"),
                       (f"{memory['partition_rows']:,}-row partition", "partition_rss_mb")):
        rows.append((f"peak RSS, {label}", f"{memory[key]:.0f} MB", "< 300 MB",
                     memory[key] < 300))
    return rows


def markdown(report: dict) -> str:
    machine = report["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"{machine['date']}, {machine['cpu']}, {machine['cores']} cores, Python "
        f"{machine['python']}, {machine['platform']}. Medians of {report['repeat']} runs; "
        "single-core runners pinned to core 0, servers to core 1.",
        "",
        "## Targets",
        "",
        "| target | measured | limit | met |",
        "|---|---:|---:|:---:|",
    ]
    for name, measured, limit, met in targets(report):
        mark = "report" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {name} | {measured} | {limit} | {mark} |")
    lines += ["", "## Local files, one core", ""]
    for label, runs in report["local"].items():
        lines += [f"{label} ({runs['file_bytes'] / 1e6:.0f} MB):", "",
                  "| runner | images/s | ok | peak RSS MB |", "|---|---:|---:|---:|"]
        for name, stats in runs.items():
            if name == "file_bytes":
                continue
            lines.append(f"| {name} | {_rate(stats):.1f} | {stats['ok']}/{stats['images']} | "
                         f"{stats['peak_rss_mb']:.0f} |")
        lines.append("")
    lines += ["## Bytes and requests per format (ranged HTTP)", "",
              "| format | images | requests / image | bytes read / file size (files >= 1 MB) |",
              "|---|---:|---:|---:|"]
    for kind, values in sorted(report["bytes"].items()):
        share = (f"{100 * values['large_bytes_read'] / values['large_file_bytes']:.2f} % of "
                 f"{values['large_images']} files" if values.get("large_file_bytes") else "n/a")
        lines.append(f"| {kind} | {values['images']} | "
                     f"{values['requests'] / values['images']:.2f} | {share} |")
    latency = report["latency"]
    lines += ["", f"## HTTP with {latency['latency_ms']:g} ms per request, one core", "",
              "| runner | images/s | bytes read MB |", "|---|---:|---:|"]
    for name in ("ours-pool-32", "ours-pool-16", "ours-1-thread", "seed-style", "cpu_bound"):
        stats = latency[name]
        lines.append(f"| {name} | {_rate(stats):.1f} | {(stats['bytes_read'] or 0) / 1e6:.1f} |")
    s3 = report["s3"]
    lines += ["", "## S3 (moto server), one core", "", "| runner | images/s | bytes read / size |",
              "|---|---:|---:|"]
    for name in ("ours-pool-16", "seed-style"):
        stats = s3[name]
        lines.append(f"| {name} | {_rate(stats):.1f} | "
                     f"{100 * (stats['bytes_read'] or 0) / s3['file_bytes']:.2f} % |")
    spark = report["spark"]
    memory = report["memory"]
    lines += [
        "", "## Spark and memory", "",
        f"- {spark['images']:,} images over HTTP ({latency['latency_ms']:g} ms): Spark "
        f"local[2] {spark['spark_seconds']:.1f} s ({spark['spark_succeeded']} ok), two plain "
        f"processes with the same pool {spark['two_processes_seconds']:.1f} s "
        f"({spark['plain_succeeded']} ok).",
        f"- A {memory['huge_image_mb']:.0f} MB image: {memory['huge_image_http_rss_mb']:.0f} MB "
        f"peak RSS over HTTP ({memory['huge_image_http_bytes_read']:,} bytes read), "
        f"{memory['huge_image_file_rss_mb']:.0f} MB from a local file.",
        f"- A {memory['partition_rows']:,}-row partition: {memory['partition_rss_mb']:.0f} MB "
        f"peak RSS at {memory['partition_rate']:.0f} images/s.",
        "",
    ]
    return "\n".join(lines)


def write(report: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = markdown(report)
    (folder / "latest.md").write_text(text)
    (folder / "latest.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(text)
