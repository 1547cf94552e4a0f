"""urls.py: manifest values are validated into locations; secrets never reach messages."""

from __future__ import annotations

import pytest

from image_metadata.exceptions import InvalidUrl, UnsupportedScheme
from image_metadata.fetch.urls import MAX_URL_LENGTH, Location, parse, redact, scrub


def remote(url: str) -> Location:
    return parse(url, allow_local_files=False)


def local(url: str) -> Location:
    return parse(url, allow_local_files=True)


# -- accepted --------------------------------------------------------------------------------


def test_s3_url_gives_bucket_and_key():
    assert remote("s3://my-bucket/photos/2024/a.jpg") == Location(
        "s3", "s3://my-bucket/photos/2024/a.jpg", bucket="my-bucket", key="photos/2024/a.jpg"
    )


def test_s3_key_keeps_question_marks_hashes_and_spaces():
    location = remote("s3://b/odd name?v=1#frag.jpg")
    assert location.key == "odd name?v=1#frag.jpg"


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_http_and_https_urls_are_accepted_as_given(scheme):
    url = f"{scheme}://images.example.com:8443/a.jpg?size=large"
    assert remote(url) == Location(scheme, url)


def test_scheme_is_matched_case_insensitively():
    assert remote("HTTPS://images.example.com/a.jpg").scheme == "https"


def test_surrounding_whitespace_is_trimmed():
    assert remote("  https://images.example.com/a.jpg\n").url == "https://images.example.com/a.jpg"


def test_absolute_path_is_a_local_file_when_local_files_are_allowed():
    assert local("/data/images/a b.jpg") == Location("file", "/data/images/a b.jpg")


def test_file_url_is_a_local_file_with_its_path_unquoted():
    assert local("file:///data/images/a%20b.jpg") == Location("file", "/data/images/a b.jpg")


def test_file_url_with_localhost_is_a_local_file():
    assert local("file://localhost/data/a.jpg") == Location("file", "/data/a.jpg")


# -- rejected --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["", "   ", "\t\n"])
def test_blank_value_is_invalid(url):
    with pytest.raises(InvalidUrl, match="blank URL"):
        remote(url)


@pytest.mark.parametrize("url", ["images/a.jpg", "./a.jpg", "a.jpg"])
def test_relative_path_is_invalid(url):
    with pytest.raises(InvalidUrl, match="no scheme"):
        local(url)


def test_windows_drive_path_is_invalid_not_a_scheme():
    with pytest.raises(InvalidUrl, match="use file://"):
        local("C:/images/a.jpg")


@pytest.mark.parametrize("url", ["ftp://example.com/a.jpg", "gs://bucket/a.jpg", "data:image/png"])
def test_other_scheme_is_unsupported(url):
    with pytest.raises(UnsupportedScheme, match="is not supported"):
        remote(url)


@pytest.mark.parametrize("url", ["/data/a.jpg", "file:///data/a.jpg"])
def test_local_file_is_unsupported_when_local_files_are_not_allowed(url):
    with pytest.raises(UnsupportedScheme, match="local files are not readable"):
        remote(url)


def test_file_url_with_a_remote_host_is_invalid():
    with pytest.raises(InvalidUrl, match="remote host"):
        local("file://fileserver/share/a.jpg")


@pytest.mark.parametrize("url", ["https:///a.jpg", "http://:80/a.jpg", "s3:///key.jpg"])
def test_url_without_a_host_is_invalid(url):
    with pytest.raises(InvalidUrl, match="no host"):
        remote(url)


def test_s3_url_without_a_key_is_invalid():
    with pytest.raises(InvalidUrl, match="without an object key"):
        remote("s3://bucket/")


@pytest.mark.parametrize(
    "url",
    ["https://h.example/a\x00.jpg", "https://h.example/a\x1b.jpg", "s3://b/a\x7f.jpg",
     "/data/a\nb.jpg"],
    ids=["nul", "escape", "delete", "newline"],
)
def test_control_characters_are_invalid(url):
    with pytest.raises(InvalidUrl, match="control characters"):
        local(url)


def test_space_inside_an_http_url_is_invalid():
    with pytest.raises(InvalidUrl, match="whitespace"):
        remote("https://h.example/a b.jpg")


def test_url_longer_than_the_limit_is_invalid():
    url = "https://h.example/" + "a" * MAX_URL_LENGTH
    with pytest.raises(InvalidUrl, match=f"characters long; the limit is {MAX_URL_LENGTH}"):
        remote(url)


@pytest.mark.parametrize("url", ["http://h.example:99999/a.jpg", "http://h.example:abc/a.jpg"])
def test_bad_port_is_invalid(url):
    with pytest.raises(InvalidUrl, match="bad port"):
        remote(url)


def test_unparseable_url_is_invalid():
    with pytest.raises(InvalidUrl, match="unparseable URL"):
        remote("http://[::1/a.jpg")


def test_failures_carry_their_error_type_and_stage():
    with pytest.raises(InvalidUrl) as invalid:
        remote("")
    with pytest.raises(UnsupportedScheme) as unsupported:
        remote("ftp://h.example/a.jpg")
    assert (invalid.value.error_type, invalid.value.stage) == ("invalid_url", "manifest")
    assert (unsupported.value.error_type, unsupported.value.stage) == (
        "unsupported_scheme", "manifest"
    )


def test_error_message_does_not_echo_credentials():
    url = "https://alice:hunter2@h.example/a b.jpg?X-Amz-Signature=deadbeef"
    with pytest.raises(InvalidUrl) as raised:
        remote(url)
    assert "hunter2" not in str(raised.value)
    assert "deadbeef" not in str(raised.value)


# -- redact ----------------------------------------------------------------------------------


def test_redact_hides_userinfo():
    assert redact("https://alice:hunter2@h.example/a.jpg") == "https://***@h.example/a.jpg"


@pytest.mark.parametrize(
    "param",
    ["X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "x-amz-signature", "token",
     "access_token", "Signature", "sig", "api_key", "X-Goog-Signature",
     # CDN signed URLs: Akamai, CloudFront, Alibaba/Tencent, imgix, Azure SAS
     "__token__", "hdnts", "Key-Pair-Id", "auth_key", "sign", "s", "X-Goog-Credential",
     "md5", "hdnea", "private_token", "api_token", "access_key", "session_token"],
)
def test_redact_hides_signing_query_parameters(param):
    assert redact(f"https://h.example/a.jpg?{param}=s3cr3t") == (
        f"https://h.example/a.jpg?{param}=***"
    )


def test_redact_keeps_ordinary_query_parameters():
    url = "https://h.example/a.jpg?width=10&X-Amz-Credential=AKIA%2F20240101&v=2"
    assert redact(url) == "https://h.example/a.jpg?width=10&X-Amz-Credential=***&v=2"


def test_redact_leaves_a_plain_url_unchanged():
    assert redact("s3://bucket/photos/a.jpg") == "s3://bucket/photos/a.jpg"


def test_redact_of_an_unparseable_url_hides_it_entirely():
    assert redact("http://[::1/a.jpg?token=s3cr3t") == "<unparseable URL>"


def test_scrub_masks_signatures_and_userinfo_anywhere_in_text():
    text = "GET https://u:p@h.test/a.jpg?X-Amz-Signature=abc&size=1&token=zz HTTP/1.1"
    assert scrub(text) == (
        "GET https://***@h.test/a.jpg?X-Amz-Signature=***&size=1&token=*** HTTP/1.1")


def test_scrub_leaves_ordinary_text_alone():
    assert scrub("s3://bucket/monkey=1/photo.jpg") == "s3://bucket/monkey=1/photo.jpg"


@pytest.mark.parametrize("text", [
    # botocore's DEBUG repr of a request, and its canonical request
    "headers={'X-Amz-Security-Token': b's3cr3t', 'X-Amz-Date': b'20261201T000000Z'}",
    "x-amz-date:20261201T000000Z\nx-amz-security-token:s3cr3t\n",
    "'Authorization': b'AWS4-HMAC-SHA256 Credential=s3cr3t/20261201/us-east-1/s3/aws4_request, "
    "SignedHeaders=host, Signature=s3cr3t'",
    "Authorization: Bearer s3cr3t.jwt.value",
    "{'Authorization': 'Basic s3cr3t', 'Accept': '*/*'}",
    "Cookie: session=s3cr3t; theme=dark",
    "x-api-key: s3cr3t",
])
def test_request_headers_as_libraries_log_them_are_masked(text):
    assert "s3cr3t" not in scrub(text)


def test_the_signed_header_names_of_an_aws_signature_stay_readable():
    text = "Authorization: AWS4-HMAC-SHA256 Credential=AKIA/x, SignedHeaders=host;range, " \
           "Signature=abc"
    assert "SignedHeaders=host;range" in scrub(text) and "AKIA" not in scrub(text)


@pytest.mark.parametrize("text", ["authorization failed for user alice",
                                  "the token budget is fine", "cookies are not images"])
def test_words_that_name_a_header_without_a_value_are_left_alone(text):
    assert scrub(text) == text


def test_s3_url_with_credentials_is_invalid_and_not_echoed():
    with pytest.raises(InvalidUrl) as raised:
        parse("s3://admin:hunter2@bucket/key.jpg", allow_local_files=False)
    assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize("url", [
    "https://cdn.example/a.jpg?Expires=1735689600&Signature=s3cr3t&Key-Pair-Id=s3cr3t",
    "https://acct.blob.core.windows.net/c/a.jpg?sv=2022-11-02&se=2025-01-01&sr=b&sp=r&sig=s3cr3t",
    "https://img.imgix.net/a.jpg?w=100&s=s3cr3t",
    "https://a.akamaized.net/a.jpg?__token__=st=1~exp=2~acl=/*~hmac=s3cr3t",
    "https://a.akamaized.net/a.jpg?hdnts=exp=2~hmac=s3cr3t",
    "https://oss.example/a.jpg?auth_key=1444435200-0-0-s3cr3t",
    "https://storage.googleapis.com/b/a.jpg?X-Goog-Algorithm=x&X-Goog-Signature=s3cr3t",
])
def test_cdn_signatures_never_reach_a_message(url):
    assert "s3cr3t" not in redact(url)
    assert "s3cr3t" not in scrub(f"GET {url} failed")


def test_an_s3_key_is_taken_exactly_as_written():
    assert remote("s3://bkt//a.jpg").key == "/a.jpg"
    assert remote("s3://bkt/a//b.jpg").key == "a//b.jpg"


def test_a_legacy_upper_case_bucket_is_a_bucket():
    location = remote("s3://Legacy_BKT/a.jpg")
    assert (location.bucket, location.key) == ("Legacy_BKT", "a.jpg")


@pytest.mark.parametrize("url", ["s3://bad!bucket/a.jpg", "s3://b%20x/a.jpg"])
def test_a_bucket_name_s3_cannot_have_is_invalid_and_says_so(url):
    with pytest.raises(InvalidUrl, match="is not an S3 bucket name"):
        remote(url)


@pytest.mark.parametrize("url", ["http://a..b/x.jpg", f"http://{'a' * 64}.com/x.jpg",
                                 f"http://{'é' * 70}.com/x.jpg"])
def test_a_host_that_is_no_dns_name_is_invalid_not_unexpected(url):
    with pytest.raises(InvalidUrl, match="is not a valid DNS name"):
        remote(url)


def test_an_ipv6_literal_with_a_long_zone_is_an_address_not_a_dns_name():
    # The address guard judges it (a link-local address); DNS label rules do not apply.
    url = "http://[fe80::1%25" + "a" * 70 + "]/x.jpg"
    assert remote(url).url == url


def test_a_percent_encoded_secret_name_is_masked_in_text():
    assert "s3cr3t" not in scrub("GET https://h/a.jpg?X%2DAmz%2DSignature=s3cr3t failed")


@pytest.mark.parametrize(("a", "b", "same"), [
    ("/x/a.heif", "file:///x/a.heif", True),
    ("/x/a b.heif", "file:///x/a%20b.heif", True),
    ("HTTP://Example.COM:80/a.jpg", "http://example.com/a.jpg", True),
    ("https://h.example:443/a", "https://h.example/a", True),
    ("/x/link/../a.jpg", "/x/a.jpg", False),  # 'link' may be a symbolic link
    ("/x/a.jpg/", "/x/a.jpg", False),
    ("https://h/a.jpg?v=1", "https://h/a.jpg?V=1", False),
    ("s3://b/k", "s3://b//k", False),
    ("https://h/a.jpg?", "https://h/a.jpg", False),  # an empty query is still a query
    ("HTTP://H/a.jpg?", "http://h/a.jpg?", True),
    ("HTTPS://H:443/a.jpg#", "https://h/a.jpg#", True),
])
def test_what_counts_as_the_same_url(a, b, same):
    from image_metadata.fetch.urls import identity

    assert (identity(a) == identity(b)) is same


@pytest.mark.parametrize(("url", "one_form"), [
    ("/x/a.jpg", "/x/a.jpg"),
    ("  /x/a.jpg ", "/x/a.jpg"),
    ("file:///x/a%20b.jpg", "/x/a b.jpg"),
    ("FILE:///x/a.jpg", "/x/a.jpg"),
    ("file://localhost/x/a.jpg", "/x/a.jpg"),
    ("file://LocalHost/x/a.jpg", "/x/a.jpg"),
    ("file://server/share/a.jpg", "file://server/share/a.jpg"),  # another host's file
    ("S3://b/Key.JPG", "s3://b/Key.JPG"),
    ("s3://b/Key.JPG", "s3://b/Key.JPG"),
    ("http://example.com/A.jpg", "http://example.com/A.jpg"),
    ("HTTP://example.com/A.jpg", "http://example.com/A.jpg"),
    ("Https://example.com/A.jpg", "https://example.com/A.jpg"),
    ("http://eXample.com/a.jpg", "http://example.com/a.jpg"),
    ("http://Example.com/a.jpg", "http://example.com/a.jpg"),
    ("http://EXAMPLE.COM/a.jpg", "http://example.com/a.jpg"),
    ("HTTPS://example.com/a.jpg", "https://example.com/a.jpg"),
    ("http://EXAMPLE.com/a//b.jpg", "http://example.com/a//b.jpg"),
    ("https://example.com:443/a.jpg", "https://example.com/a.jpg"),
    ("http://example.com:8080/a.jpg", "http://example.com:8080/a.jpg"),
    ("https://example.com:80/a.jpg", "https://example.com:80/a.jpg"),  # not https's default
    ("http://User:PW@Example.com/a.jpg", "http://User:PW@example.com/a.jpg"),
    ("http://[::1]:80/a.jpg", "http://[::1]/a.jpg"),
    ("http://[2001:DB8::1]:8080/a.jpg", "http://[2001:db8::1]:8080/a.jpg"),
    ("http://example.com/a.jpg?Size=L#Top", "http://example.com/a.jpg?Size=L#Top"),
    ("HTTP://Example.com/a.jpg?", "http://example.com/a.jpg?"),
    ("http://Example.com/a.jpg#", "http://example.com/a.jpg#"),
    ("http://Example.com?x=1", "http://example.com?x=1"),
    ("http://Example.com", "http://example.com"),
    ("ftp://Example.com/a.jpg", "ftp://Example.com/a.jpg"),  # no rule: as written
    ("a.jpg", "a.jpg"),
])
def test_the_one_form_of_a_url(url, one_form):
    from image_metadata.fetch.urls import identity

    assert identity(url) == one_form


@pytest.mark.parametrize("url", ["http://[::1/a.jpg", "http://h:99999/a.jpg",
                                 "HTTP://h:port/a.jpg", "file://[::1/x.jpg"])
def test_a_url_python_cannot_split_is_its_own_one_form(url):
    from image_metadata.fetch.urls import identity

    assert identity(url) == url.strip()


def test_local_files_refused_in_a_run_that_does_not_allow_them_say_which_schemes_it_reads():
    with pytest.raises(UnsupportedScheme) as refused:
        parse("/data/a.jpg", allow_local_files=False)
    assert str(refused.value) == (
        "local files are not readable in this run (only s3://, http://, https://)")


def test_a_relative_local_path_is_invalid_and_quoted():
    with pytest.raises(InvalidUrl) as refused:
        parse("file:a.jpg", allow_local_files=True)
    assert str(refused.value) == "local path must be absolute: 'a.jpg'"


def test_an_s3_key_may_hold_a_scheme_separator():
    location = remote("s3://bkt/a://b.jpg")
    assert (location.bucket, location.key) == ("bkt", "a://b.jpg")


@pytest.mark.parametrize(("url", "shown"), [("s3://user@bkt/k.jpg", "s3://***@bkt/k.jpg"),
                                            ("s3://bkt:443/k.jpg", "s3://bkt:443/k.jpg")])
def test_an_s3_url_with_credentials_or_a_port_is_invalid_and_says_so(url, shown):
    with pytest.raises(InvalidUrl) as refused:
        remote(url)
    assert str(refused.value) == f"S3 URL with credentials or a port: {shown!r}"


def test_a_blank_url_is_invalid_and_says_so():
    with pytest.raises(InvalidUrl) as refused:
        remote("   ")
    assert str(refused.value) == "blank URL"


def test_a_url_of_the_longest_length_is_accepted():
    url = "https://h.test/" + "a" * (MAX_URL_LENGTH - len("https://h.test/"))
    assert remote(url).url == url


def test_a_host_that_is_no_dns_name_is_named_with_the_reason():
    with pytest.raises(InvalidUrl) as refused:
        remote("http://a..b/x.jpg")
    assert str(refused.value) == (
        "host 'a..b' is not a valid DNS name (label empty or too long): 'http://a..b/x.jpg'")


def test_a_long_bad_host_is_quoted_up_to_80_characters():
    host = "é" * 70 + "." + "b" * 30
    with pytest.raises(InvalidUrl) as refused:
        remote(f"http://{host}/x.jpg")
    assert f"host {host[:80]!r} is not" in str(refused.value)


def test_an_at_sign_in_a_password_is_masked_with_the_rest_of_the_credentials():
    assert redact("http://u:p@ss@h.test/a.jpg") == "http://***@h.test/a.jpg"


def test_blank_query_values_are_kept_when_redacting():
    assert redact("https://h.test/a.jpg?a=&b=1&token=x") == "https://h.test/a.jpg?a=&b=1&token=***"


@pytest.mark.parametrize(("text", "masked"), [
    ("x-amz-security-token:TOK", "x-amz-security-token:***"),
    ("Authorization: Bearer abc", "Authorization: ***"),
])
def test_header_secrets_are_replaced_by_stars_and_nothing_else(text, masked):
    assert scrub(text) == masked


def test_every_logger_of_the_http_libraries_gets_the_secret_filter_and_no_other():
    import logging

    from image_metadata.fetch.urls import SecretFilter, install_log_filters

    names = ["botocore.credentials", "botocore.retries.standard", "urllib3.util.ssl_",
             "s3transfer.tasks", "image_metadata.somewhere", "botocorex.thing"]
    for name in names:
        logging.getLogger(name)
    install_log_filters()

    def filtered(name: str) -> bool:
        return any(isinstance(f, SecretFilter) for f in logging.getLogger(name).filters)

    assert [filtered(n) for n in names] == [True, True, True, True, False, False]
