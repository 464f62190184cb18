"""Splitting batch work by the deployment's batch size."""

import unittest
from typing import List, Tuple

from cloudcached.batch import batch_keys_from, chunk


class BatchSplitTest(unittest.TestCase):
    def test_batch_size_from_the_index(self) -> None:
        self.assertEqual(batch_keys_from({"limits": {"batchKeys": 16}}), 16)
        self.assertEqual(batch_keys_from({"limits": {"batchKeys": 500}}), 100)
        self.assertEqual(batch_keys_from({}), 100)
        self.assertEqual(batch_keys_from({"limits": {"batchKeys": True}}), 100)

    def test_runs_of_at_most_size_last_value_wins(self) -> None:
        self.assertEqual(chunk(["a", "b", "c", "d", "e"], 2, str), [["a", "b"], ["c", "d"], ["e"]])
        pairs: List[Tuple[str, int]] = [("a", 1), ("b", 2), ("a", 3)]

        def first(pair: Tuple[str, int]) -> str:
            return pair[0]

        self.assertEqual(chunk(pairs, 10, first), [[("a", 3), ("b", 2)]])
        self.assertEqual(chunk([], 3, str), [])


if __name__ == "__main__":
    unittest.main()
