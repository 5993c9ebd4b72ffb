"""ResilientRedisCache against real redis-server processes: killed, frozen (SIGSTOP), restarted.

Each test builds its own backend on its own redis-server, so the breaker (one per LOCATION and
process) starts closed, and the project's CACHES settings play no part.
"""

import contextlib
import itertools
import json
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest
import redis

from devtools.servers import HOST, free_port, redis_server, stop_process, wait_for_port
from resilient_cache import ResilientRedisCache

# Does not use the database or cache that `make test` varies: run once, in the first pass.
pytestmark = [pytest.mark.standalone, pytest.mark.servers]

TIMEOUT = 0.2  # socket timeouts, seconds
RETRY_INTERVAL = 0.2
LOGGER = "resilient_cache"
_unique = itertools.count()


def location(port: int) -> str:
    # A client_name unique to the test makes a unique LOCATION, hence a fresh breaker, even if
    # a later test's redis-server gets a port an earlier one used.
    return f"redis://{HOST}:{port}/0?client_name=resilient-test-{os.getpid()}-{next(_unique)}"


def backend(url: str, **options) -> ResilientRedisCache:
    return ResilientRedisCache(url, {"OPTIONS": {
        "SERIALIZER": "django_redis.serializers.json.JSONSerializer",
        "SOCKET_CONNECT_TIMEOUT": TIMEOUT,
        "SOCKET_TIMEOUT": TIMEOUT,
        "IGNORE_EXCEPTIONS": True,  # as in the project's settings: the backend must override it
        "RETRY_INTERVAL": RETRY_INTERVAL,
        **options,
    }})


@contextlib.contextmanager
def redis_on_port(port: int):
    """A redis-server on a given port: to bring one back where a killed one was."""
    with tempfile.TemporaryDirectory(prefix="redis-test-") as workdir:
        process = subprocess.Popen(
            [shutil.which("redis-server"), "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no",
             "--dir", workdir, "--logfile", os.path.join(workdir, "redis.log")],
            stdout=subprocess.DEVNULL,
        )
        try:
            wait_for_port(port, process)
            yield process
        finally:
            stop_process(process)


def kill(process: subprocess.Popen) -> None:
    process.kill()
    process.wait()


@contextlib.contextmanager
def frozen(process: subprocess.Popen):
    os.kill(process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(process.pid, signal.SIGCONT)


def wait_for_state(cache: ResilientRedisCache, state: str, within: float = 5.0) -> float:
    """Poll the breaker until it reaches `state`; return how long it took."""
    start = time.monotonic()
    while cache.circuit_status()["state"] != state:
        assert time.monotonic() - start < within, f"breaker still {cache.circuit_status()} after {within}s"
        time.sleep(0.02)
    return time.monotonic() - start


def raw_json(port: int, cache: ResilientRedisCache, key: str):
    """What redis-cli would show for a cache key, parsed as JSON."""
    raw = redis.Redis(host=HOST, port=port, socket_timeout=2).get(cache.make_key(key))
    assert raw is not None, f"{key} is not in Redis"
    return json.loads(raw)


def warnings_logged(caplog) -> list:
    return [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]


def test_values_are_stored_in_redis_as_readable_json():
    with redis_server() as server:
        cache = backend(location(server.port))

        cache.set("sunat:ruc:20100070970", {"razonSocial": "SUPERMERCADOS PERUANOS", "estado": "ACTIVO"}, 60)

        assert raw_json(server.port, cache, "sunat:ruc:20100070970") == {
            "razonSocial": "SUPERMERCADOS PERUANOS", "estado": "ACTIVO"}
        assert cache.get("sunat:ruc:20100070970")["estado"] == "ACTIVO"
        assert 55 <= cache.ttl("sunat:ruc:20100070970") <= 60
        with cache.lock("sunat:flight:20100070970", timeout=5):
            assert redis.Redis(host=HOST, port=server.port).exists(cache.make_key("sunat:flight:20100070970"))
        assert cache.circuit_status()["state"] == "closed"


def test_killed_redis_every_call_answers_from_the_fallback(caplog):
    with redis_server() as server:
        cache = backend(location(server.port))
        cache.set("before", "kill", 60)
        kill(server.process)

        # set, get, add, get_or_set
        assert cache.set("a", {"x": 1}, 60) is True
        assert cache.get("a") == {"x": 1}
        assert cache.get("before") is None  # Redis's data is out of reach; the fallback never had it
        assert cache.get("missing", "default") == "default"
        assert cache.add("a", "other") is False
        assert cache.add("b", [1, 2]) is True
        assert cache.get_or_set("c", lambda: "computed", 60) == "computed"
        assert cache.get_or_set("c", "ignored", 60) == "computed"
        # many
        cache.set_many({"m1": 1, "m2": (2, 3)}, 60)
        assert cache.get_many(["m1", "m2", "nope"]) == {"m1": 1, "m2": [2, 3]}  # JSON, as from Redis
        assert cache.delete_many(["m1", "m2", "nope"]) == 2
        assert cache.has_key("a") and "b" in cache and not cache.has_key("m1")
        # counters
        cache.set("n", 10)
        assert cache.incr("n") == 11
        assert cache.decr("n", 5) == 6
        with pytest.raises(ValueError):  # Django's contract for a missing key, not a Redis error
            cache.incr("no-such-counter")
        # expiry
        assert cache.touch("a", 100) is True
        assert 98 <= cache.ttl("a") <= 100
        assert cache.persist("a") is True
        assert cache.ttl("a") is None
        assert cache.expire("a", 50) is True
        assert 48 <= cache.ttl("a") <= 50
        assert cache.ttl("missing") == 0
        # keys by pattern, with Redis's glob
        cache.set_many({"sunat:ruc:20100070970": 1, "sunat:ruc:20100070970:deuda": 2, "sunat:ruc:1": 3}, 60)
        assert sorted(cache.iter_keys("sunat:ruc:" + "?" * 11)) == ["sunat:ruc:20100070970"]
        assert sorted(cache.keys("sunat:ruc:*")) == [
            "sunat:ruc:1", "sunat:ruc:20100070970", "sunat:ruc:20100070970:deuda"]
        assert cache.delete_pattern("sunat:ruc:*") == 3
        assert list(cache.iter_keys("sunat:*")) == []
        # lock
        lock = cache.lock("sunat:flight:x", timeout=5)
        assert lock.acquire(blocking=False) is True
        assert lock.locked() and lock.owned()
        assert cache.lock("sunat:flight:x").acquire(blocking=True, blocking_timeout=0.05) is False
        lock.release()
        assert not lock.locked()
        with cache.lock("sunat:flight:x"):
            pass
        # delete, clear, close
        assert cache.delete("a") is True and cache.get("a") is None
        cache.clear()
        assert cache.get("b") is None
        cache.close()

        assert cache.circuit_status()["state"] == "open"

        # Not a performance test: it checks that the breaker keeps calls away from Redis.
        # See the SIGSTOP test for the same check where each Redis call would cost the timeout.
        start = time.monotonic()
        for i in range(100):
            cache.set(f"k{i}", i)
            cache.get(f"k{i}")
        assert time.monotonic() - start < 2.0

        assert len(warnings_logged(caplog)) == 1


def test_frozen_redis_costs_one_timeout_then_recovers_by_itself_after_sigcont():
    with redis_server() as server:
        cache = backend(location(server.port))
        cache.set("before", "freeze", 60)

        with frozen(server.process):
            start = time.monotonic()
            assert cache.get("before") is None  # from the (empty) fallback, after one socket timeout
            assert time.monotonic() - start < 1.0

            # Not a performance test: a call that went to the frozen Redis would take the 0.2 s
            # socket timeout, so 200 of them would take 40 s; this checks the breaker is open.
            start = time.monotonic()
            for i in range(100):
                cache.set(f"during:{i}", i)
                assert cache.get(f"during:{i}") == i
            assert time.monotonic() - start < 2.0
            assert cache.circuit_status()["state"] == "open"

        assert wait_for_state(cache, "closed") < RETRY_INTERVAL + TIMEOUT + 1.0

        assert cache.get("before") == "freeze"  # Redis again
        cache.set("after", {"back": True}, 60)
        assert raw_json(server.port, cache, "after") == {"back": True}
        assert cache.get("during:1") is None  # written to the fallback, which is not Redis


def test_redis_restarted_on_the_same_port_closes_the_breaker_by_itself():
    port = free_port()
    url = location(port)
    with redis_on_port(port) as process:
        cache = backend(url)
        cache.set("k", 1)
        kill(process)
        assert cache.get("k") is None
        assert cache.circuit_status()["state"] == "open"

    time.sleep(RETRY_INTERVAL * 2)  # a few failed probes while nothing listens
    assert cache.circuit_status()["state"] == "open"

    with redis_on_port(port):
        wait_for_state(cache, "closed")
        cache.set("after-restart", ["ok"], 60)
        assert raw_json(port, cache, "after-restart") == ["ok"]


def test_deletions_while_redis_is_out_reach_it_before_the_breaker_closes():
    with redis_server() as server:
        cache = backend(location(server.port))
        cache.set_many({"evicted": 1, "also-evicted": 2, "page:1": 3, "page:2": 4, "kept": 5}, 60)

        with frozen(server.process):
            cache.delete("evicted")  # times out, opens the breaker, deletes on the fallback
            cache.delete_many(["also-evicted"])
            cache.delete_pattern("page:*")
            assert cache.circuit_status()["state"] == "open"
        wait_for_state(cache, "closed")

        raw = redis.Redis(host=HOST, port=server.port, socket_timeout=2)
        assert [raw.exists(cache.make_key(key)) for key in ("evicted", "also-evicted", "page:1", "page:2")] == [0] * 4
        assert cache.get("kept") == 5


def test_deletions_stay_pending_through_failed_probes():
    with redis_server() as server:
        cache = backend(location(server.port))
        cache.set_many({"page:1": 1, "page:2": 2}, 60)

        # A pattern, not a key: a DEL sent before the timeout would still run when Redis wakes up,
        # but delete_pattern only got as far as its first SCAN.
        with frozen(server.process):
            cache.delete_pattern("page:*")
            time.sleep(RETRY_INTERVAL * 3)  # probes time out: nothing sent yet
            assert cache.circuit_status()["state"] == "open"
        wait_for_state(cache, "closed")

        raw = redis.Redis(host=HOST, port=server.port, socket_timeout=2)
        assert raw.exists(cache.make_key("page:1"), cache.make_key("page:2")) == 0


def test_circuit_status_reports_closed_then_open_with_the_error_then_closed():
    port = free_port()
    url = location(port)
    with redis_on_port(port) as process:
        cache = backend(url)
        assert cache.circuit_status() == {"state": "closed", "since": None, "last_error": None,
                                          "retry_interval": RETRY_INTERVAL}
        cache.get("k")
        kill(process)
        cache.get("k")

        opened = cache.circuit_status()
        assert opened["state"] == "open"
        assert opened["since"] is not None
        assert opened["last_error"].startswith("ConnectionError")
        assert cache.circuit_status() == backend(url).circuit_status()  # every instance sees the same breaker
        assert backend(url).circuit_status()["state"] == "open"

        cache.set("written-during-outage", 1)

    with redis_on_port(port) as process:
        wait_for_state(cache, "closed")
        closed = cache.circuit_status()
        assert closed["since"] > opened["since"]
        assert closed["last_error"]  # kept: the last thing that went wrong

        kill(process)
        assert cache.get("written-during-outage") is None  # a new outage starts from an empty fallback
        assert cache.circuit_status()["state"] == "open"


def test_an_error_on_a_raw_connection_can_open_the_breaker():
    with redis_server() as server:
        cache = backend(location(server.port))
        assert not cache.circuit_open()

        cache.report_redis_error(redis.exceptions.TimeoutError("Timeout reading from socket"))

        assert cache.circuit_open()
        assert cache.circuit_status()["last_error"] == "TimeoutError: Timeout reading from socket"
        wait_for_state(cache, "closed")  # the probe finds Redis fine
        assert not cache.circuit_open()


def test_many_threads_during_a_kill_no_exception_and_one_warning(caplog):
    with redis_server() as server:
        url = location(server.port)
        stop = threading.Event()
        errors = []

        def hammer(n):
            cache = backend(url)  # like Django: one instance per thread, one breaker per location
            i = 0
            try:
                while not stop.is_set():
                    cache.set(f"t{n}:{i}", i, 60)
                    cache.get(f"t{n}:{i}")
                    i += 1
            except Exception as exc:
                errors.append(exc)

        threads = [threading.Thread(target=hammer, args=(n,)) for n in range(16)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(0.2)
            kill(server.process)
            time.sleep(0.5)
        finally:
            stop.set()
            for thread in threads:
                thread.join(10)

        assert errors == []
        assert backend(url).circuit_status()["state"] == "open"
        assert len(warnings_logged(caplog)) == 1


def test_a_forked_child_probes_for_itself_and_recovers():
    port = free_port()
    url = location(port)
    with redis_on_port(port) as process:
        cache = backend(url)
        kill(process)
        cache.get("k")
        assert cache.circuit_status()["state"] == "open"

    pid = os.fork()
    if pid == 0:  # the child: its breaker is open, and the parent's probe thread does not exist here
        code = 1
        try:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                cache.get("k")  # a call while open must start this process's own probe
                if cache.circuit_status()["state"] == "closed":
                    code = 0
                    break
                time.sleep(0.05)
        finally:
            os._exit(code)

    status = None
    try:
        with redis_on_port(port):
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0, "the child's breaker did not close"
            wait_for_state(cache, "closed")
    finally:
        if status is None:  # not reaped: do not leave it behind
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
