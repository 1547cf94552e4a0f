"""The one-line breaks a review of the suite made by hand, each with the tests that must catch
it. ``run_known_breaks.py`` applies them one at a time to a copy of the project and runs those
tests: every break must make at least one of them fail (or time out), never pass.

The review's "body-read deadline removed" is the last break: the deadline's socket shutdown is
what bounds a body read. Dropping the per-chunk deadline check in ``source.read_up_to``
instead survives, and is equivalent while every socket is adopted: the shutdown ends the read
and the retry that follows finds the deadline passed (same row, same time).

mutmut (``make mutation``) covers the library systematically; these stay as named regressions,
because several of them (a SQL query, the CDK stack, the schema) are outside what mutmut
mutates, and each one once survived the whole suite.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Break:
    name: str
    path: str  # relative to the project root
    old: str  # must occur exactly once in path
    new: str
    tests: tuple[str, ...]  # pytest node ids or paths


LIB = "glue_jobs/image_metadata"

BREAKS: tuple[Break, ...] = (
    Break("accounted hard-coded to true", f"{LIB}/job/accounting.py",
          '"accounted": is_accounted(counts, succeeded, failed),', '"accounted": True,',
          ("tests/unit/test_accounting.py",)),
    Break("address guard connects by hostname, not the checked address", f"{LIB}/fetch/netguard.py",
          "sock.connect(sockaddr)  # the checked address", "sock.connect((host, conn.port))  #",
          ("tests/integration/test_netguard_dns.py",)),
    Break("address guard checks only the first DNS answer", f"{LIB}/fetch/netguard.py",
          "for *_ignored, sockaddr in answers:", "for *_ignored, sockaddr in answers[:1]:",
          ("tests/integration/test_netguard_dns.py",)),
    Break("botocore's loggers left unfiltered", f"{LIB}/fetch/urls.py",
          "for name in dict.fromkeys((*_LIBRARY_LOGGERS, *existing)):",
          'for name in [n for n in _LIBRARY_LOGGERS if n.startswith("urllib3")]:',
          ("tests/integration/test_faults.py::test_secrets_of_s3_requests_never_reach_the_logs",)),
    Break("Retry-After cap default raised to an hour", f"{LIB}/fetch/clients.py",
          "    max_retry_after: float = 10.0\n    pool_size",
          "    max_retry_after: float = 3600.0\n    pool_size",
          ("tests/unit/test_fetch_defaults.py",)),
    Break("production S3 client with legacy retries and one attempt", f"{LIB}/fetch/s3.py",
          'retries={"mode": "standard", "total_max_attempts": 1},',
          'retries={"mode": "legacy", "max_attempts": 1},',
          ("tests/integration/test_faults.py::test_s3_errors_are_classified",)),
    Break("Glue argument --max_bytes ignored", f"{LIB}/job/settings.py",
          'max_bytes=parsed["max_bytes"],', "",
          ("tests/unit/test_glue_entry.py",)),
    Break("Glue argument --allow_networks ignored", f"{LIB}/job/settings.py",
          'allowed_networks=parsed["allow_networks"],', "",
          ("tests/unit/test_glue_entry.py",)),
    Break("S3 manifest discovery keeps _ and . files", f"{LIB}/job/manifest.py",
          'hidden = any(part.startswith((".", "_")) for part in key[len(prefix):].split("/"))',
          "hidden = False",
          ("tests/integration/test_manifest_s3.py",)),
    Break("S3 manifest discovery lists sibling prefixes", f"{LIB}/job/manifest.py",
          '        prefix += "/"\n    found: list[str] = []',
          '        pass\n    found: list[str] = []',
          ("tests/integration/test_manifest_s3.py",)),
    Break("latest_row_per_url returns the oldest row",
          f"{LIB}/explore/queries/latest_row_per_url.sql",
          "ORDER BY extracted_at DESC, run_id DESC", "ORDER BY extracted_at ASC, run_id ASC",
          ("tests/unit/test_latest_queries.py",)),
    Break("data-lake kms:ViaService condition dropped", "infra/extraction_job.py",
          'conditions={"StringEquals": {"kms:ViaService": f"s3.{Aws.REGION}.amazonaws.com"}},',
          "",
          ("tests/infra/test_job_role_permissions.py",)),
    Break("runs table writes seconds as a string", f"{LIB}/schema.py",
          'Column("seconds", "double",', 'Column("seconds", "string",',
          ("tests/unit/test_accounting.py",)),
    Break("a partition processed serially", f"{LIB}/extract.py",
          "    if workers <= 1:\n        yield from map(fn, items)",
          "    if True:\n        yield from map(fn, items)",
          ("tests/integration/test_partition_concurrency.py",)),
    Break("a stalled body not retried", f"{LIB}/fetch/http.py",
          "            raise _Again(retry) from None\n        resp.release_conn()",
          "            raise failure from None\n        resp.release_conn()",
          ("tests/integration/test_faults.py::test_a_stalled_body_is_asked_for_again",)),
    Break("the deadline never shuts a socket down", f"{LIB}/fetch/deadline.py",
          "        fd = sock.fileno()\n        duplicate = _duplicate(sock)",
          "        return\n        fd = sock.fileno()\n        duplicate = _duplicate(sock)",
          ("tests/integration/test_faults.py::test_no_byte_pattern_extends_the_image_bound",)),
)
