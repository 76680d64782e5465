"""Strict parsing of what a request says about where it is going and where it comes from: the Host header
or an absolute-form target (the authority), Origin and Referer. Anything that does not parse names nothing."""

from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple

# RFC 3986 reg-name as browsers send it (letters, digits, '-', '.'), an IPv4 address, or [IPv6].
_HOST = r"(?P<host>[A-Za-z0-9](?:[A-Za-z0-9\-.]{0,251}[A-Za-z0-9])?|\[(?P<ipv6>[0-9A-Fa-f:.]{2,45})\])"
_AUTHORITY = re.compile(_HOST + r"(?::(?P<port>[0-9]{1,5}))?\Z")
_ORIGIN = re.compile(r"(?P<scheme>https?)://" + _HOST + r"(?::(?P<port>[0-9]{1,5}))?\Z", re.IGNORECASE)
_REFERER = re.compile(r"(?P<origin>https?://[^/?#]*)(?:[/?#].*)?\Z", re.IGNORECASE | re.DOTALL)
DEFAULT_PORTS = {"http": 80, "https": 443}


class Authority(NamedTuple):
    """A host name (lower case, IPv6 without brackets) and a port (the scheme's default when none is given)."""

    host: str
    port: int


class Origin(NamedTuple):
    """A web origin: scheme, host and port."""

    scheme: str
    host: str
    port: int


def _host_port(match: re.Match[str], default_port: int) -> tuple[str, int] | None:
    ipv6, port = match.group("ipv6"), match.group("port")
    if ipv6 is not None:
        try:
            host = str(ipaddress.IPv6Address(ipv6))
        except ValueError:
            return None
    else:
        host = match.group("host").lower()
    number = int(port) if port else default_port
    return (host, number) if 0 < number <= 65535 else None


def parse_authority(value: str, scheme: str = "http") -> Authority | None:
    """`host` or `host:port` (Host header, or the authority of an absolute-form target); None unless it is
    exactly that: no user info (`127.0.0.1:8000@evil.com`), no path, no blanks, a port of 1-65535."""
    match = _AUTHORITY.match(value)
    parsed = _host_port(match, DEFAULT_PORTS.get(scheme, 80)) if match else None
    return Authority(*parsed) if parsed else None


def parse_origin(value: str) -> Origin | None:
    """An Origin header (`http://localhost:8000`); None when it is not exactly scheme://host[:port]
    (`http://localhost:99999`, `http://[::1`, `http://localhost:abc`, `null`)."""
    match = _ORIGIN.match(value.rstrip("/"))
    if not match:
        return None
    scheme = match.group("scheme").lower()
    parsed = _host_port(match, DEFAULT_PORTS[scheme])
    return Origin(scheme, *parsed) if parsed else None


def referer_origin(value: str) -> Origin | None:
    """The origin a Referer names; None when it does not parse."""
    match = _REFERER.match(value)
    return parse_origin(match.group("origin")) if match else None


def origin_text(origin: Origin) -> str:
    """The origin as a browser writes it (`http://localhost:8000`; the default port left out)."""
    host = f"[{origin.host}]" if ":" in origin.host else origin.host
    port = "" if DEFAULT_PORTS.get(origin.scheme) == origin.port else f":{origin.port}"
    return f"{origin.scheme}://{host}{port}"
