"""Find and kill the browsers a process started, even after that process died.

Every chromedriver (and, through inheritance, every Chromium process it starts) carries
OWNER_ENV=<pid of the worker that started it> in its environment. A worker killed with
SIGKILL cannot quit its browser, so whoever outlives it (gunicorn's arbiter, or the next
worker) kills what it left. Plain Python, no Django: gunicorn's config imports it.
"""

import contextlib
import os
import signal
from pathlib import Path

OWNER_ENV = "RUC_SERVICE_BROWSER_OWNER"
_MARKER = f"{OWNER_ENV}=".encode()


def browser_processes() -> dict[int, int]:
    """{pid: owner pid} for every live process that carries the marker."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone already, or not ours to read
            continue
        for variable in environ.split(b"\0"):
            if variable.startswith(_MARKER):
                with contextlib.suppress(ValueError):
                    found[int(entry.name)] = int(variable[len(_MARKER):])
                break
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _state(pid) != "Z"


def _state(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "Z"
    return stat.rsplit(")", 1)[1].split()[0]


def _kill(pids) -> int:
    killed = 0
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
            killed += 1
    return killed


def kill_process_tree(root_pid: int) -> int:
    """Kill a process and all its descendants (a chromedriver and the Chromium it started)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [root_pid]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return _kill(tree)


def kill_browsers_of(owner_pid: int) -> int:
    """Kill every browser process started by `owner_pid`; return how many."""
    return _kill(pid for pid, owner in browser_processes().items() if owner == owner_pid)


def kill_orphaned_browsers() -> int:
    """Kill browser processes whose owner is no longer alive; return how many."""
    return _kill(
        pid for pid, owner in browser_processes().items()
        if owner != os.getpid() and not _alive(owner) and _state(pid) != "Z"
    )
