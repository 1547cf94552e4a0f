"""Spark partitions for the extraction: about 5,000 URLs each, in whole waves of task slots."""

import pytest

pytest.importorskip("pyspark")

from image_metadata.job.pipeline import partition_count


@pytest.mark.parametrize(("rows", "slots", "expected"), [
    (0, 2, 2), (10, 2, 2), (5000, 2, 2), (12_000, 2, 4), (5000, 8, 8), (1_000_000, 40, 200),
])
def test_partitions_fill_whole_waves(rows, slots, expected):
    assert partition_count(rows, slots) == expected
