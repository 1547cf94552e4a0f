"""Local files (file:// and plain paths, where the run allows them), read with pread."""

from __future__ import annotations

import os
import stat

from image_metadata import exceptions as exc
from image_metadata.fetch.source import Condition, Source, same_millisecond, utc_from_ns
from image_metadata.fetch.urls import Location


class FileSource(Source):
    def __init__(self, location: Location, condition: Condition | None = None) -> None:
        super().__init__(location, condition)
        path = location.url
        try:
            # O_NONBLOCK: opening a named pipe must not wait for a writer.
            self._fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            st = os.fstat(self._fd)
        except FileNotFoundError:
            raise exc.NotFound(f"no such file: {path}") from None
        except PermissionError:
            raise exc.AccessDenied(f"permission denied: {path}") from None
        except IsADirectoryError:  # Linux opens folders read-only; other systems refuse
            raise exc.NotFound(f"is a directory, not a file: {path}") from None
        except OSError as e:
            raise exc.FetchConnectionError(f"cannot open {path}: {e.strerror}") from None
        if not stat.S_ISREG(st.st_mode):
            os.close(self._fd)
            raise exc.NotFound(f"not a regular file: {path}")
        self.size = st.st_size
        self.attempts = 1
        self.last_modified = utc_from_ns(st.st_mtime_ns)
        if self.condition is not None and self.condition.last_modified is not None and \
                self.condition.size in (None, self.size) and \
                same_millisecond(self.condition.last_modified, self.last_modified):
            os.close(self._fd)
            raise exc.NotModified(f"{path} is unchanged since its last read")

    def fetch(self, start: int, length: int) -> bytes:
        data = os.pread(self._fd, length, start)
        self.bytes_read += len(data)
        return data

    def close(self) -> None:
        os.close(self._fd)
