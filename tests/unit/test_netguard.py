"""Which addresses an untrusted URL may reach (decisions only: nothing is contacted)."""

from __future__ import annotations

import ipaddress

import pytest

from image_metadata.fetch.netguard import AddressPolicy, blocked_reason


@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.1", "loopback"),
    ("127.45.6.7", "loopback"),
    ("::1", "loopback"),
    ("169.254.169.254", "link-local"),  # the instance metadata service
    ("fe80::1", "link-local"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("fd00::1", "private"),
    ("100.64.0.1", "non-global"),  # carrier-grade NAT, also used inside VPCs
    ("224.0.0.251", "multicast"),
    ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6 is judged as the IPv4 address
    ("::ffff:169.254.169.254", "link-local"),
    ("240.0.0.1", "private"),
    ("4000::1", "reserved"),  # IPv6 space not yet allocated
    ("64:ff9b::a00:1", "reserved"),  # NAT64's well-known prefix, which would reach 10.0.0.1
])
def test_internal_addresses_are_refused(address, reason):
    assert blocked_reason(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111",
                                     "52.95.110.1"])
def test_public_addresses_are_allowed(address):
    assert blocked_reason(ipaddress.ip_address(address)) is None


def test_named_network_is_allowed_and_nothing_else():
    policy = AddressPolicy(allowed_networks=("10.20.0.0/16",))
    assert policy.refusal(ipaddress.ip_address("10.20.3.4")) is None
    assert policy.refusal(ipaddress.ip_address("10.21.0.1")) == "private"
    assert policy.refusal(ipaddress.ip_address("169.254.169.254")) == "link-local"


def test_allow_private_lifts_every_refusal():
    policy = AddressPolicy(allow_private=True)
    assert policy.refusal(ipaddress.ip_address("169.254.169.254")) is None


def test_6to4_addresses_are_judged_by_their_embedded_ipv4_address():
    assert blocked_reason(ipaddress.ip_address("2002:a9fe:a9fe::1")) == "link-local"
    assert blocked_reason(ipaddress.ip_address("2002:7f00:1::")) == "loopback"
