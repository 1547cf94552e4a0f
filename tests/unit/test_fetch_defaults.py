"""The fetch defaults a user gets without setting anything: how long a server may make a
worker wait, and how often a request is tried."""

from __future__ import annotations

from urllib3.response import HTTPResponse

from image_metadata.fetch.clients import Clients, FetchSettings


def _asking_to_wait(seconds: str) -> HTTPResponse:
    return HTTPResponse(body=b"", headers={"Retry-After": seconds}, status=503,
                        preload_content=False)


def test_a_retry_after_of_an_hour_waits_ten_seconds_by_default():
    retry = Clients(FetchSettings()).retry()
    assert retry.get_retry_after(_asking_to_wait("3600")) == 10.0


def test_a_retry_after_below_the_cap_is_waited_as_asked():
    retry = Clients(FetchSettings()).retry()
    assert retry.get_retry_after(_asking_to_wait("2")) == 2.0


def test_the_default_bounds_fit_inside_the_image_bound():
    s = FetchSettings()
    assert (s.max_retry_after, s.image_timeout, s.retries) == (10.0, 60.0, 3)
    assert s.connect_timeout + s.read_timeout < s.image_timeout


def test_a_request_is_tried_once_and_retried_three_times_by_default():
    retry = Clients(FetchSettings()).retry()
    assert (retry.connect, retry.read, retry.status, retry.other) == (3, 3, 3, 3)
    assert set(retry.status_forcelist) == {429, 500, 502, 503, 504}
    assert retry.allowed_methods == ("GET",)


def test_the_s3_client_is_built_from_the_fetch_settings(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    settings = FetchSettings(connect_timeout=2.5, read_timeout=7.0, pool_size=9)
    client = Clients(settings).s3()
    config = client.meta.config
    assert (config.connect_timeout, config.read_timeout, config.max_pool_connections) == (
        2.5, 7.0, 9)
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}


def _retry_after_failures(count: int):
    """The project's Retry after ``count`` answered 503s: backoff applies from the second."""
    retry = Clients(FetchSettings()).retry()
    for _ in range(count):
        retry = retry.increment("GET", "/", response=_asking_to_wait("0"))
    return retry


def _waits(monkeypatch) -> list[float]:
    # The waits are recorded instead of slept: the test asserts which waits happen, and a
    # real backoff of seconds would only make it slow.
    from image_metadata.fetch import clients

    waited: list[float] = []
    monkeypatch.setattr(clients, "_wait", waited.append)
    return waited


def test_a_retry_after_is_waited_instead_of_the_backoff(monkeypatch):
    waited = _waits(monkeypatch)
    _retry_after_failures(3).sleep(_asking_to_wait("2"))
    assert waited == [2.0]


def test_without_a_retry_after_the_backoff_is_waited(monkeypatch):
    waited = _waits(monkeypatch)
    retry = _retry_after_failures(3)
    retry.sleep(HTTPResponse(body=b"", headers={}, status=503, preload_content=False))
    assert len(waited) == 1 and waited[0] > 0


def test_the_s3_client_names_the_reader_in_its_user_agent(monkeypatch):
    """S3 access logs and CloudTrail show which requests the reader made."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    assert Clients(FetchSettings()).s3().meta.config.user_agent_extra == "image-metadata/1.0"
