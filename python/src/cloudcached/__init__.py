"""CloudCached's Python client: ``Client(url, token).get/put/update/delete`` and the rest of the API."""

from .access import Capabilities, NamespacePage
from .client import DEFAULT_PUT_TTL, Client
from .codec import BYTES, JSON_TYPE, TEXT, DefaultSerializer, Serializer, Value
from .errors import CloudCachedError
from .get_or_set import GetOrSetStats
from .get_or_set_plan import GetOrSetDefaults, LeaseState
from .results import Item, KeyInfo, KeyPage, LeasedItem, MintedToken, WriteResult
from .server_stats import STATS_WINDOWS, LeaseCounts, ResponseTimes, ServerStats, StaleReads, StatsWindow

__version__ = "1.0.0"

__all__ = [
    "BYTES",
    "DEFAULT_PUT_TTL",
    "JSON_TYPE",
    "STATS_WINDOWS",
    "TEXT",
    "Capabilities",
    "Client",
    "CloudCachedError",
    "DefaultSerializer",
    "GetOrSetDefaults",
    "GetOrSetStats",
    "Item",
    "KeyInfo",
    "KeyPage",
    "LeaseCounts",
    "LeaseState",
    "LeasedItem",
    "MintedToken",
    "NamespacePage",
    "ResponseTimes",
    "Serializer",
    "ServerStats",
    "StaleReads",
    "StatsWindow",
    "Value",
    "WriteResult",
    "__version__",
]
