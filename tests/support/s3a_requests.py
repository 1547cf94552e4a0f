"""The S3 requests Hadoop's S3A makes for the filesystem calls a Spark job makes, as IAM sees
them: (action, resource ARN, condition context). Glue 5.1 reads and writes s3:// through S3A
(Hadoop 3.4.1); this machine has no S3A, so the sequences are written down from its code paths
(S3AFileSystem, impl/MkdirOperation, impl/RenameOperation, the committers' cleanup):

* getFileStatus(p): HEAD of key p (a file?), then LIST p/ (a folder?); S3 answers a HEAD of
  a missing key with 404 only to a caller that may list it (ListBucket with s3:prefix = key),
  else 403, which S3A treats as fatal.
* create(p, overwrite): LIST p/ (no folder there), then PUT p, or a multipart upload for large
  files (CreateMultipartUpload, UploadPart, CompleteMultipartUpload: all s3:PutObject).
* mkdirs(p): getFileStatus of p and of each parent up to the first folder, then PUT p/.
* rename(src, dst) of a file: getFileStatus of src, dst and dst's parent, COPY (GetObject on
  src, PutObject on dst), DELETE src, then LIST src's parent/ and PUT its marker if emptied.
* delete(p, recursive): getFileStatus(p), LIST p/ without delimiter, DeleteObjects (one
  s3:DeleteObject per key), then the parent marker as after a rename.
* listStatus/globStatus(p): LIST p/ with delimiter '/'.
* committer cleanup: ListMultipartUploads under the output (s3:ListBucketMultipartUploads on
  the bucket, no prefix condition exists for it), AbortMultipartUpload and ListParts per
  upload found.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: dict = field(default_factory=dict, hash=False, compare=False)
    why: str = ""


class S3A:
    """S3A on one bucket; every method returns the requests of one filesystem call."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def _object(self, action: str, key: str, why: str) -> Request:
        return Request(action, f"arn:aws:s3:::{self.bucket}/{key}", {}, why)

    def _list(self, prefix: str, why: str) -> Request:
        return Request("s3:ListBucket", f"arn:aws:s3:::{self.bucket}", {"s3:prefix": prefix}, why)

    def file_status(self, key: str) -> list[Request]:
        return [self._object("s3:GetObject", key, f"HEAD {key}"),
                self._list(key, f"404 rather than 403 for a missing {key}"),
                self._list(f"{key}/", f"LIST {key}/")]

    def create(self, key: str, *, multipart: bool = False) -> list[Request]:
        requests = [self._list(f"{key}/", f"LIST {key}/: no folder in the way"),
                    self._object("s3:PutObject", key, f"PUT {key}")]
        if multipart:
            requests.append(self._object("s3:AbortMultipartUpload", key,
                                         f"abort the upload of {key} on failure"))
        return requests

    def mkdirs(self, key: str) -> list[Request]:
        requests = []
        parts = key.split("/")
        for depth in range(len(parts), 0, -1):
            requests += self.file_status("/".join(parts[:depth]))
        return [*requests, self._object("s3:PutObject", f"{key}/", f"PUT {key}/ marker")]

    def rename(self, source: str, target: str) -> list[Request]:
        return [
            *self.file_status(source), *self.file_status(target),
            *self.file_status(_parent(target)),
            self._object("s3:GetObject", source, f"COPY from {source}"),
            self._object("s3:PutObject", target, f"COPY to {target}"),
            self._object("s3:DeleteObject", source, f"DELETE {source}"),
            *self._restore_marker(_parent(source)),
        ]

    def delete(self, key: str, contents: list[str]) -> list[Request]:
        return [
            *self.file_status(key), self._list(f"{key}/", f"LIST {key}/ to delete"),
            *(self._object("s3:DeleteObject", k, f"DeleteObjects {k}") for k in contents),
            *self._restore_marker(_parent(key)),
        ]

    def list_status(self, key: str) -> list[Request]:
        return [self._list(f"{key}/", f"LIST {key}/")]

    def abort_pending_uploads(self, key: str, pending: list[str]) -> list[Request]:
        return [
            Request("s3:ListBucketMultipartUploads", f"arn:aws:s3:::{self.bucket}", {},
                    f"ListMultipartUploads {key}/"),
            *(r for k in pending for r in (
                self._object("s3:ListMultipartUploadParts", k, f"ListParts {k}"),
                self._object("s3:AbortMultipartUpload", k, f"abort {k}"))),
        ]

    def read(self, key: str) -> list[Request]:
        return [*self.file_status(key), self._object("s3:GetObject", key, f"GET {key}")]

    def _restore_marker(self, folder: str) -> list[Request]:
        if not folder:
            return []  # the bucket root needs no marker
        return [self._list(f"{folder}/", f"LIST {folder}/: emptied?"),
                self._object("s3:PutObject", f"{folder}/", f"PUT {folder}/ marker")]


def _parent(key: str) -> str:
    return key.rsplit("/", 1)[0] if "/" in key else ""


def spark_write(s3a: S3A, output: str, files: list[str]) -> list[Request]:
    """A DataFrame write to ``output`` with Hadoop's FileOutputCommitter (v1) on S3A: task
    files under _temporary, renamed into place by the task and job commits, _SUCCESS, and
    the cleanup of _temporary and of uploads left pending."""
    temporary = f"{output}/_temporary/0"
    requests = [*s3a.file_status(output), *s3a.mkdirs(temporary)]
    for name in files:
        attempt = f"{temporary}/_temporary/attempt_0/{name}"
        task = f"{temporary}/task_0/{name}"
        requests += [*s3a.create(attempt, multipart=True), *s3a.rename(attempt, task),
                     *s3a.list_status(f"{temporary}/task_0"), *s3a.rename(task, f"{output}/{name}")]
    requests += [*s3a.create(f"{output}/_SUCCESS"),
                 *s3a.delete(f"{output}/_temporary", [f"{temporary}/"]),
                 *s3a.abort_pending_uploads(output, [f"{output}/{files[0]}"])]
    return requests
