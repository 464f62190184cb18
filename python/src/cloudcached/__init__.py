"""CloudCached's Python client: ``Client(url, token).get/put/update/delete`` and the rest of the API."""

from .client import DEFAULT_PUT_TTL, Client
from .codec import BYTES, JSON_TYPE, TEXT, DefaultSerializer, Serializer, Value
from .errors import CloudCachedError
from .get_or_set import GetOrSetStats
from .get_or_set_plan import GetOrSetDefaults, LeaseState
from .results import Item, KeyInfo, KeyPage, LeasedItem, MintedToken, WriteResult

__version__ = "1.0.0"

__all__ = [
    "BYTES",
    "DEFAULT_PUT_TTL",
    "JSON_TYPE",
    "TEXT",
    "Client",
    "CloudCachedError",
    "DefaultSerializer",
    "GetOrSetDefaults",
    "GetOrSetStats",
    "Item",
    "KeyInfo",
    "KeyPage",
    "LeaseState",
    "LeasedItem",
    "MintedToken",
    "Serializer",
    "Value",
    "WriteResult",
    "__version__",
]
