"""What a token may do (``GET /v1/token``) and the namespaces it may see (``GET /v1/namespaces``),
as API.md answers them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional

from .json_fields import json_boolean, json_object, json_optional_integer, json_optional_text, json_texts


@dataclass(frozen=True)
class Capabilities:
    """What the client's token may do: ``admin`` (everything, minting tokens included), the
    ``namespaces`` it may touch (``["*"]``: every one), its ``scopes`` (``read``, ``write``,
    ``flush``), the key ``prefix`` it is limited to (None: every key) and when it stops working
    (``expires_at``, unix seconds; None for the admin token, which does not expire)."""

    admin: bool
    namespaces: List[str]
    scopes: List[str]
    prefix: Optional[str]
    expires_at: Optional[int]


@dataclass(frozen=True)
class NamespacePage:
    """One page of the namespaces the token may see, in order."""

    namespaces: List[str]
    #: Where the next page starts (pass it as ``after``), or None after the last page.
    cursor: Optional[str]


def read_capabilities(answer: Any) -> Capabilities:
    body = json_object(answer)
    return Capabilities(
        admin=json_boolean(body["admin"]),
        namespaces=json_texts(body["namespaces"]),
        scopes=json_texts(body["scopes"]),
        prefix=json_optional_text(body["prefix"]),
        expires_at=json_optional_integer(body["expiresAt"]),
    )


def read_namespace_page(answer: Any) -> NamespacePage:
    body = json_object(answer)
    return NamespacePage(json_texts(body["namespaces"]), json_optional_text(body.get("cursor")))
