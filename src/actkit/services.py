"""The web services actkit can ask, and where: one home for their addresses.

Each service's base URL comes from an environment variable when set (tests and mirrors
point these at local servers), else its public address. This module imports nothing
heavy, so code that only needs an address (an adapter being registered, an offline run)
does not load the HTTP stack; ``actkit.http`` does the asking.
"""

from __future__ import annotations

import os

POSTCODES_API_ENV = "ACTKIT_POSTCODES_API"
MEMBERS_API_ENV = "ACTKIT_MEMBERS_API"
SCOTTISH_PARLIAMENT_API_ENV = "ACTKIT_SCOTTISH_PARLIAMENT_API"
SENEDD_API_ENV = "ACTKIT_SENEDD_API"
NI_ASSEMBLY_API_ENV = "ACTKIT_NI_ASSEMBLY_API"
DEFAULT_POSTCODES_API = "https://api.postcodes.io"
DEFAULT_MEMBERS_API = "https://members-api.parliament.uk"
DEFAULT_SCOTTISH_PARLIAMENT_API = "https://data.parliament.scot"
DEFAULT_SENEDD_API = "https://business.senedd.wales"
DEFAULT_NI_ASSEMBLY_API = "https://data.niassembly.gov.uk"


def base_url(env_var: str, default: str) -> str:
    """A service's base URL: the environment variable if set, else the default."""
    return (os.environ.get(env_var, "").strip() or default).rstrip("/")


def postcodes_api() -> str:
    return os.environ.get(POSTCODES_API_ENV, "").strip() or DEFAULT_POSTCODES_API


def members_api() -> str:
    return os.environ.get(MEMBERS_API_ENV, "").strip() or DEFAULT_MEMBERS_API
