"""ingest.prefetch: the next batch is prepared while the current one is in DuckDB, and nothing about
order, errors or stopping changes for the loader."""

from __future__ import annotations

import threading

import pytest

from dagster_project.ingest.prefetch import prefetched


def test_items_come_in_order():
    assert list(prefetched(iter(range(50)))) == list(range(50))


def test_the_next_item_is_computed_while_the_consumer_holds_this_one():
    second_started = threading.Event()

    def items():
        yield 1
        second_started.set()
        yield 2

    ready = prefetched(items())
    assert next(ready) == 1
    # Without a producer thread the generator would be suspended at `yield 1` and this would time out.
    assert second_started.wait(timeout=5)
    assert list(ready) == [2]


def test_an_error_arrives_after_the_items_before_it_as_the_same_object():
    boom = ValueError("line 7: unreadable")

    def items():
        yield "a"
        yield "b"
        raise boom

    received = []
    with pytest.raises(ValueError) as caught:
        for item in prefetched(items()):
            received.append(item)
    assert received == ["a", "b"]
    assert caught.value is boom


def test_a_consumer_that_stops_stops_the_producer():
    produced = []

    def items():
        for i in range(1000):
            produced.append(i)
            yield i

    ready = prefetched(items())
    assert next(ready) == 0
    ready.close()  # joins the worker thread
    assert len(produced) <= 3  # the item handed over and the one computed meanwhile (at most one more)
    assert not [t for t in threading.enumerate() if t.name.startswith("rw-prefetch")]
