"""CloudCached's Python client: ``Client(url, token).get/put/update/delete`` and the rest of the API."""

from .client import DEFAULT_PUT_TTL, Client
from .codec import BYTES, JSON_TYPE, TEXT, DefaultSerializer, Serializer, Value
from .errors import CloudCachedError
from .results import Item, KeyInfo, KeyPage, MintedToken, WriteResult

__version__ = "1.0.0"

__all__ = [
    "BYTES",
    "DEFAULT_PUT_TTL",
    "JSON_TYPE",
    "TEXT",
    "Client",
    "CloudCachedError",
    "DefaultSerializer",
    "Item",
    "KeyInfo",
    "KeyPage",
    "MintedToken",
    "Serializer",
    "Value",
    "WriteResult",
    "__version__",
]
