"""Upload fields for notifications, the address policy and the service-wide settings."""

from __future__ import annotations

import ipaddress

import pytest

from chemaudit.errors import InvalidOption
from chemaudit.notify.addresses import literal_refusal, parse_networks, refusal
from chemaudit.notify.targets import (
    EMAIL,
    SERVICE,
    UPLOAD,
    WEBHOOK,
    Target,
    check_settings,
    parse_email,
    parse_secret,
    parse_webhook_url,
    targets_for_upload,
)
from chemaudit.settings import Settings

SECRET = "s3cret-s3cret-s3cret"


@pytest.mark.parametrize("url", ["https://hooks.example.org/chemaudit?team=7", "http://203.0.113.9:8080/x",
                                 "HTTPS://example.org", "http://[2001:db8::1]/hook"])
def test_http_and_https_urls_are_accepted(url):
    assert parse_webhook_url("webhook_url", url).lower().startswith(("http://", "https://"))


def test_the_fragment_is_dropped():
    assert parse_webhook_url("webhook_url", "https://example.org/h#frag") == "https://example.org/h"


@pytest.mark.parametrize("url,words", [
    ("ftp://example.org/x", "http:// or https://"), ("file:///etc/passwd", "http:// or https://"),
    ("gopher://example.org", "http:// or https://"), ("example.org/hook", "http:// or https://"),
    ("https://", "no host"), ("https://user:pw@example.org/", "user or password"),
    ("https://example.org:99999/", "not a URL"), ("http://[::1/", "not a URL"),
])
def test_other_urls_are_a_422_saying_why(url, words):
    with pytest.raises(InvalidOption) as refused:
        parse_webhook_url("webhook_url", url)
    assert refused.value.status == 422 and words in refused.value.detail


@pytest.mark.parametrize("address", ["chemist@example.org", "a.b+tag@lab.example.co.uk"])
def test_one_address_is_accepted(address):
    assert parse_email("notification_email", address) == address


@pytest.mark.parametrize("address", ["no-at-sign", "a@b@c", "two@example.org, more@example.org",
                                     "x@example.org\r\nBcc: all@example.org", "<x@example.org>",
                                     "x@-example.org", "x@example..org", "a" * 65 + "@example.org"])
def test_anything_else_is_a_422(address):
    with pytest.raises(InvalidOption):
        parse_email("notification_email", address)


def test_a_short_secret_is_refused():
    with pytest.raises(InvalidOption):
        parse_secret("webhook_secret", "short")
    assert parse_secret("webhook_secret", SECRET) == SECRET


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                     "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:10.0.0.1",
                                     "224.0.0.1", "198.18.0.1"])
def test_non_public_addresses_are_refused(address):
    assert "not a public address" in refusal(ipaddress.ip_address(address), ())


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert refusal(ipaddress.ip_address(address), ()) is None


def test_an_allowed_network_opens_exactly_itself():
    allowed = parse_networks("10.20.0.0/16, 127.0.0.1")
    assert refusal(ipaddress.ip_address("10.20.3.4"), allowed) is None
    assert refusal(ipaddress.ip_address("127.0.0.1"), allowed) is None
    assert refusal(ipaddress.ip_address("10.21.0.1"), allowed) is not None
    assert refusal(ipaddress.ip_address("127.0.0.2"), allowed) is not None


def test_a_bad_network_entry_is_named_by_position():
    with pytest.raises(ValueError, match="entry 2"):
        parse_networks("10.0.0.0/8,not-a-net")


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "api.localhost", "127.0.0.1", "[::1]", "10.0.0.5"])
def test_local_literals_are_refused_at_upload(host):
    assert literal_refusal(host, ()) is not None


def test_names_are_left_to_the_send_time_check():
    assert literal_refusal("hooks.example.org", ()) is None


def test_targets_combine_the_upload_and_the_service():
    settings = Settings(webhook_url="https://ops.example.org/h", webhook_secret=SECRET, smtp_host="mail",
                        notification_email="ops@example.org")
    values = {"webhook_url": "https://user.example.org/h", "webhook_secret": None,
              "notification_email": "chemist@example.org"}
    assert targets_for_upload(settings, values) == [
        Target(WEBHOOK, "https://ops.example.org/h", SERVICE), Target(WEBHOOK, "https://user.example.org/h", UPLOAD),
        Target(EMAIL, "chemist@example.org", UPLOAD)]
    # no email of its own: the service's default address, as ChemAudit's NOTIFICATION_EMAIL
    assert targets_for_upload(settings, {})[-1] == Target(EMAIL, "ops@example.org", SERVICE)
    # the same URL as the service's is one delivery, the service's
    same = targets_for_upload(settings, {"webhook_url": "https://ops.example.org/h"})
    assert [t.source for t in same if t.channel == WEBHOOK] == [SERVICE]


def test_an_upload_secret_is_kept_with_its_target():
    targets = targets_for_upload(Settings(), {"webhook_url": "https://x.example.org/", "webhook_secret": SECRET})
    assert targets == [Target(WEBHOOK, "https://x.example.org/", UPLOAD, SECRET)]


@pytest.mark.parametrize("settings,values,code", [
    (Settings(), {"webhook_url": "https://x.example.org/"}, "webhook_not_configured"),
    (Settings(webhook_secret=SECRET), {"webhook_url": "http://127.0.0.1:9/"}, "webhook_not_allowed"),
    (Settings(), {"webhook_secret": SECRET}, "invalid_webhook_secret"),
    (Settings(), {"notification_email": "chemist@example.org"}, "email_not_configured"),
])
def test_what_the_service_cannot_do_is_a_422(settings, values, code):
    with pytest.raises(InvalidOption) as refused:
        targets_for_upload(settings, values)
    assert refused.value.code == code


def test_an_allowed_network_lets_an_upload_reach_it():
    settings = Settings(webhook_secret=SECRET, webhook_allow_networks="127.0.0.0/8")
    assert targets_for_upload(settings, {"webhook_url": "http://127.0.0.1:9/"})[0].source == UPLOAD


@pytest.mark.parametrize("settings,words", [
    (Settings(webhook_url="https://ops.example.org/"), "WEBHOOK_SECRET"),
    (Settings(webhook_url="ftp://ops.example.org/", webhook_secret=SECRET), "http"),
    (Settings(webhook_allow_networks="10.0.0.0/33"), "entry 1"),
    (Settings(notification_email="ops@example.org"), "SMTP_HOST"),
    (Settings(notification_email="not an address", smtp_host="mail"), "one email address"),
])
def test_settings_a_node_must_not_start_with(settings, words):
    with pytest.raises(ValueError, match=words):
        check_settings(settings)


def test_sound_settings_pass():
    check_settings(Settings(webhook_url="https://ops.example.org/", webhook_secret=SECRET, smtp_host="mail",
                            notification_email="ops@example.org", webhook_allow_networks="10.0.0.0/8"))
