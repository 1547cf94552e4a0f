"""What one partition shares between its threads: the fetch settings, one HTTP pool
behind the address guard, one S3 client, the retry budget and the deadline watchdog."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import urllib3
from urllib3.util.retry import Retry

from image_metadata.fetch import deadline, netguard, s3
from image_metadata.fetch.urls import install_log_filters

USER_AGENT = "image-metadata/1.0 (+metadata reader; ranged GET)"


@dataclass(frozen=True)
class FetchSettings:
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    retries: int = 3  # retries after the first attempt
    backoff_factor: float = 0.25
    backoff_max: float = 10.0
    max_redirects: int = 5
    max_retry_after: float = 10.0
    pool_size: int = 16
    # Everything one image may take over HTTP, retries included: a server that trickles
    # bytes never trips the per-read timeout, so the whole read is bounded too.
    image_timeout: float = 60.0
    # Off by default: untrusted URLs must not reach loopback, private or link-local hosts,
    # apart from the networks (CIDR) named here.
    allow_private_networks: bool = False
    allowed_networks: tuple[str, ...] = ()


class _CappedRetry(Retry):
    """urllib3 Retry whose Retry-After sleep is bounded: a server must not stall a worker."""

    # Retry.new() builds the next Retry without the cap, then new() below sets it.
    def __init__(self, *, max_retry_after: float = FetchSettings.max_retry_after,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_retry_after = max_retry_after

    def new(self, **kwargs: Any) -> _CappedRetry:
        # Retry.increment() builds each next Retry through new(); keep the cap on it.
        retry = super().new(**kwargs)
        retry.max_retry_after = self.max_retry_after
        return retry

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.max_retry_after)

    # Waits between attempts end with the image's deadline; no attempt starts after it.
    def sleep_for_retry(self, response: Any) -> bool:
        retry_after = self.get_retry_after(response)
        if retry_after:
            _wait(retry_after)
            return True
        return False

    def _sleep_backoff(self) -> None:
        _wait(self.get_backoff_time())

    def increment(self, *args: Any, **kwargs: Any) -> Retry:
        bound = deadline.current()
        if bound is not None and (bound.expired or bound.remaining() <= 0):
            response = kwargs.get("response")
            raise bound.failure(attempts=len(self.history) + 1,
                                http_status=getattr(response, "status", None))
        return super().increment(*args, **kwargs)


def _wait(seconds: float) -> None:
    if seconds <= 0:
        return
    bound = deadline.current()
    if bound is None:
        time.sleep(seconds)
    else:
        bound.wait(seconds)
        bound.check()


@dataclass
class Clients:
    """One HTTP pool and one S3 client per partition, created on first use."""

    settings: FetchSettings = field(default_factory=FetchSettings)
    s3_client: Any = None
    _http: urllib3.PoolManager | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _owns_s3: bool = False  # a client handed in is the caller's to close
    watchdog: deadline.Watchdog = field(default_factory=deadline.Watchdog)

    def __post_init__(self) -> None:
        install_log_filters()

    def http(self) -> urllib3.PoolManager:
        with self._lock:
            return self._http_locked()

    def _http_locked(self) -> urllib3.PoolManager:
        if self._http is None:
            self._http = urllib3.PoolManager(
                num_pools=64,
                maxsize=self.settings.pool_size,
                headers={"User-Agent": USER_AGENT},
            )
            # Every connection, redirect targets included, goes through the address guard.
            self._http.pool_classes_by_scheme = netguard.pool_classes(netguard.AddressPolicy(
                self.settings.allow_private_networks, self.settings.allowed_networks
            ))
        return self._http

    def s3(self) -> Any:
        with self._lock:  # creating boto3 clients is not thread-safe; using them is
            return self._s3_locked()

    def _s3_locked(self) -> Any:
        if self.s3_client is None:
            self._owns_s3 = True
            self.s3_client = s3.new_client(self.settings)
        return self.s3_client

    def retry(self) -> Retry:
        s = self.settings
        # One budget for every kind of failure: a refused connect, then a 503, then a cut body
        # are three retries of the image, not one of each kind. Redirects are not retries:
        # HttpSource follows them itself, up to max_redirects hops.
        retry = _CappedRetry(
            total=s.retries,
            connect=s.retries,
            read=s.retries,
            status=s.retries,
            other=s.retries,
            backoff_factor=s.backoff_factor,
            backoff_max=s.backoff_max,
            backoff_jitter=s.backoff_factor,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=("GET",),
            respect_retry_after_header=True,
            raise_on_status=False,
            max_retry_after=s.max_retry_after,
        )
        return retry

    def close(self) -> None:
        self.watchdog.close()
        if self._http is not None:
            self._http.clear()
        if self._owns_s3 and self.s3_client is not None:
            self.s3_client.close()
