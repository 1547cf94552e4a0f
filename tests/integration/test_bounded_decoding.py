"""Memory and time stay bounded on every format path: 32 copies of each hostile file (one
partition's worth of concurrency) decoded at once, in a fresh process whose peak RSS is
measured. Before, an ICO with a text-bomb PNG cost 99 MB each (Pillow's PNG plugin), a HEIF
'ipma' of millions of links 9 s and 321 MB each, and 32 MB of JPEG fill 14 s of CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support import hostile_images

COPIES = 32
RSS_LIMIT_MB = 300
BOUND = 10.0  # image_timeout of the run

PROBE = """
import json, sys, time
from image_metadata.extract import RESULT_NAMES, ExtractSettings, extract_partition
from image_metadata.fetch.clients import FetchSettings

path, copies, bound = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
settings = ExtractSettings(concurrency=copies, allow_local_files=True,
                           fetch=FetchSettings(image_timeout=bound))
started = time.monotonic()
rows = list(extract_partition([(path, str(i)) for i in range(copies)], settings, "bounded"))
seconds = time.monotonic() - started
outcomes = sorted({(r[RESULT_NAMES.index("status")], r[RESULT_NAMES.index("error_type")])
                   for r in rows})
# VmHWM, not ru_maxrss: the latter also counts the parent's memory this process forked from.
peak = next(int(line.split()[1]) for line in open("/proc/self/status")
            if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "rows": len(rows), "outcomes": outcomes,
                  "rss_mb": peak / 1024}))
"""

HOSTILE = {
    "ico_with_text_bomb_png": ("ico", [["ok", None]]),
    "heif_ipma_bomb": ("heic", [["failed", "corrupt_image"]]),
    "heif_meta_bomb": ("heic", [["failed", "corrupt_image"]]),
    "jpeg_fill_bomb": ("jpg", None),  # ok or too_large: either way, bounded
    # Formats Pillow's plugins open: they keep what they read.
    "tiff_tag_bomb": ("tif", [["ok", None]]),  # 1,500 tags on one MiB, a 4 GB sparse file
    "jp2_with_a_30_mb_header_box": ("jp2", [["failed", "too_large"]]),
    "gif_with_a_30_mb_comment": ("gif", [["failed", "too_large"]]),
    "avif_with_a_30_mb_free_box": ("avif", [["ok", None]]),  # the box is seeked over
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_thirty_two_hostile_files_at_once_stay_within_memory_and_time(name, tmp_path):
    suffix, outcomes = HOSTILE[name]
    path = tmp_path / f"{name}.{suffix}"
    if name == "tiff_tag_bomb":
        hostile_images.tiff_tag_bomb(path)
    else:
        path.write_bytes(getattr(hostile_images, name)())
    # A measurement: the probe runs without coverage's tracer, which would slow it past the
    # bound and add to its memory.
    env = {k: v for k, v in os.environ.items()
           if k not in ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START")}
    done = subprocess.run([sys.executable, "-c", PROBE, str(path), str(COPIES), str(BOUND)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["rows"] == COPIES
    if outcomes is not None:
        assert result["outcomes"] == outcomes
    assert result["rss_mb"] < RSS_LIMIT_MB, result
    assert result["seconds"] < BOUND + 2.0, result  # the deadline ends every image by BOUND
