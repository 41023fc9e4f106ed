"""IP addresses (IPv4, IPv6) via the standard library's ipaddress; private ranges count too."""

from __future__ import annotations

import ipaddress

from kikz.governance.detectors import Category, ValueDetector


def is_ip(value: str) -> bool:
    text = value.strip()
    if text.count(".") != 3 and ":" not in text:
        return False
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return not (address.is_unspecified or address.is_loopback)


def mask(value: str) -> str:
    text = value.strip()
    if "." in text:
        first = text.split(".")[0]
        return f"{first}.***.***.***"
    return text.split(":")[0] + ":****:…"


DETECTOR = ValueDetector(
    slug="ip_adresse",
    title="IP-Adresse",
    category=Category.PERSONAL,
    prefilter=lambda v: 3 <= len(v) <= 45 and (v[:1].isdigit() or ":" in v),
    match=is_ip,
    mask=mask,
    min_share=0.6,
    column_words=("ip",),
    noun="IP-Adressen",
)
