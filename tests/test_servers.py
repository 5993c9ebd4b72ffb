"""The servers command (python -m devtools.servers) that make test and the benchmarks rely on."""

import os
import signal
import subprocess
import sys

import pytest

from devtools.servers import PROJECT_ROOT, wait_until

pytestmark = pytest.mark.standalone


def children(pid: int) -> dict[int, str]:
    listed = subprocess.run(["ps", "-o", "pid=,comm=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return {int(pid): name for pid, name in (line.split(None, 1) for line in listed.splitlines())}


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_terminating_the_servers_command_stops_the_servers_it_started():
    command = subprocess.Popen([sys.executable, "-m", "devtools.servers", "--redis", "--postgres", "--",
                                "sleep", "60"], cwd=PROJECT_ROOT)

    def all_started():
        found = children(command.pid)
        return found if {"redis-server", "postgres", "sleep"} <= set(found.values()) else None

    started = {}
    try:
        started = wait_until(all_started, timeout=60, what="redis-server, PostgreSQL and the command")

        command.send_signal(signal.SIGTERM)

        assert command.wait(timeout=30) != 0
        assert [name for pid, name in started.items() if alive(pid)] == []
    finally:
        command.kill()
        for pid in started:  # what a failure would leave behind
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
