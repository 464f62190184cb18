"""``capabilities`` (``GET /v1/token``) and ``list_namespaces`` / ``namespace_pages`` /
``namespaces`` (``GET /v1/namespaces``): what a token may do and the namespaces it may see."""

import itertools
import time
import unittest
from typing import Any, Callable, Dict, List

from cloudcached import Capabilities, Client, CloudCachedError, NamespacePage
from cloudcached.access import read_capabilities, read_namespace_page

from .server import server, unique_namespace

#: How many namespaces one page of the admin's listing holds at most (API.md).
PAGE = 16


class AnswersTest(unittest.TestCase):
    def test_capabilities(self) -> None:
        admin: Dict[str, Any] = {"admin": True, "namespaces": ["*"], "scopes": ["read", "write", "flush"], "prefix": None, "expiresAt": None}
        self.assertEqual(read_capabilities(admin), Capabilities(True, ["*"], ["read", "write", "flush"], None, None))
        scoped: Dict[str, Any] = {"admin": False, "namespaces": ["app"], "scopes": ["read"], "prefix": "user/42/", "expiresAt": 1767225600, "later": 1}
        self.assertEqual(read_capabilities(scoped), Capabilities(False, ["app"], ["read"], "user/42/", 1767225600))
        for shape in [{**admin, "admin": "yes"}, {**admin, "namespaces": "*"}, {**admin, "expiresAt": "soon"}, {"admin": True}, None]:
            with self.subTest(shape=shape), self.assertRaises((KeyError, TypeError)):
                read_capabilities(shape)

    def test_namespace_pages(self) -> None:
        self.assertEqual(read_namespace_page({"namespaces": ["a", "b"], "cursor": "b"}), NamespacePage(["a", "b"], "b"))
        self.assertEqual(read_namespace_page({"namespaces": [], "cursor": None}), NamespacePage([], None))
        for shape in [{"namespaces": [1]}, {"namespaces": ["a"], "cursor": 2}, {"cursor": None}]:
            with self.subTest(shape=shape), self.assertRaises((KeyError, TypeError)):
                read_namespace_page(shape)


class AccessTest(unittest.TestCase):
    def setUp(self) -> None:
        self.url, self.token = server()
        self.admin = Client(self.url, self.token, namespace=unique_namespace("py-access"))
        self.addCleanup(self.admin.close)

    def client(self, token: Any, namespace: str = "default") -> Client:
        client = Client(self.url, token, namespace)
        self.addCleanup(client.close)
        return client

    def test_capabilities_of_the_admin_and_of_a_scoped_token(self) -> None:
        self.assertEqual(self.admin.capabilities(), Capabilities(True, ["*"], ["read", "write", "flush"], None, None))
        namespace = self.admin.namespace
        minted = self.admin.mint_token([namespace, "other"], ["read", "write"], prefix="user/42/", ttl=600)
        scoped = self.client(minted.token, namespace).capabilities()
        self.assertEqual(scoped, Capabilities(False, [namespace, "other"], ["read", "write"], "user/42/", minted.expires_at))
        assert scoped.expires_at is not None
        self.assertAlmostEqual(scoped.expires_at, time.time() + 600, delta=5)
        every = self.client(self.admin.mint_token(["*"], ["flush"]).token).capabilities()
        self.assertEqual((every.admin, every.namespaces, every.scopes, every.prefix), (False, ["*"], ["flush"], None))

    def test_a_token_for_some_namespaces_lists_exactly_those_in_one_page(self) -> None:
        some = self.client(self.admin.mint_token(["zeta", "alpha", "mid"], ["read"]).token)
        self.assertEqual(some.list_namespaces(), NamespacePage(["alpha", "mid", "zeta"], None))
        self.assertEqual(some.list_namespaces(after="alpha"), NamespacePage(["mid", "zeta"], None))
        self.assertEqual(list(some.namespace_pages()), [NamespacePage(["alpha", "mid", "zeta"], None)])
        self.assertEqual(list(some.namespaces(after="mid")), ["zeta"])

    def test_the_admin_pages_over_more_namespaces_than_one_page_holds(self) -> None:
        base = unique_namespace("py-walk")[:40]
        mine = [f"{base}-{i:02d}" for i in range(PAGE + 3)]
        for namespace in mine:
            self.admin.with_namespace(namespace).set("k", 1)
        start = f"{base}-"  # sorts before every one of them, after every other namespace before them

        first = self.admin.list_namespaces(after=start)
        self.assertEqual(first, NamespacePage(mine[:PAGE], mine[PAGE - 1]))
        pages = self.admin.namespace_pages(after=start)
        self.assertEqual(next(pages), first)
        second = next(pages)
        self.assertEqual(second.namespaces[:3], mine[PAGE:])
        self.assertEqual(second, self.admin.list_namespaces(after=first.cursor))
        # The iterator goes on from page to page; the names after ours are other tests'.
        listed = list(itertools.takewhile(lambda namespace: namespace.startswith(start), self.admin.namespaces(after=start)))
        self.assertEqual(listed, mine)
        every = self.client(self.admin.mint_token(["*"], ["read"]).token)
        self.assertEqual(list(itertools.islice(every.namespaces(after=start), len(mine))), mine)

    def test_refused_without_a_valid_token(self) -> None:
        minted = self.admin.mint_token([self.admin.namespace], ["read"]).token
        for token in [None, "not-a-token", minted + "x"]:
            client = self.client(token)
            with self.subTest(token=token):
                calls: List[Callable[[], object]] = [client.capabilities, client.list_namespaces]
                for call in calls:
                    with self.assertRaises(CloudCachedError) as refused:
                        call()
                    self.assertEqual((refused.exception.status, refused.exception.code), (401, "unauthorized"))

    def test_an_invalid_after_is_refused_before_any_request(self) -> None:
        # nothing listens there: an error other than bad_request would mean a request was sent
        nowhere = Client("http://127.0.0.1:9", self.token)
        for after in ["Not Valid", "", "-a", "a" * 65]:
            with self.subTest(after=after), self.assertRaises(CloudCachedError) as refused:
                nowhere.list_namespaces(after=after)
            self.assertEqual((refused.exception.status, refused.exception.code), (400, "bad_request"))
        with self.assertRaises(CloudCachedError):
            next(nowhere.namespaces(after="Not Valid"))


if __name__ == "__main__":
    unittest.main()
