"""This process's state has one owner (sunat.process): each piece registers there, is started afresh
after a fork, stopped on the way out and reset between tests and when its settings change."""

import ast
import importlib
import os
import pkgutil
from pathlib import Path

import pytest

import sunat
from sunat import process
from sunat.monitoring import tally
from sunat.process import Registry
from sunat.registers import search

ROOT = Path(__file__).resolve().parent.parent


def _python_files():
    for package in ("sunat", "config", "resilient_cache"):
        yield from (path for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts)


def test_only_the_registry_hooks_forks_and_setting_changes_and_no_module_keeps_globals():
    offenders = []
    for path in _python_files():
        if path == ROOT / "sunat" / "process.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            name = (node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name)
                    else node.module if isinstance(node, ast.ImportFrom) else None)
            if isinstance(node, ast.ImportFrom):
                names = [alias.name for alias in node.names]
                if "setting_changed" in names:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports setting_changed")
            elif name == "register_at_fork":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} os.register_at_fork")
            elif isinstance(node, ast.Global):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} global {', '.join(node.names)}")
    assert offenders == [], "register the state in sunat.process instead"


def test_the_service_registers_each_piece_with_the_scheduler_first():
    # A piece registers when its module is imported (a process that never imports it has none of it).
    for module in pkgutil.walk_packages(sunat.__path__, "sunat."):
        importlib.import_module(module.name)

    names = process.names()

    assert names[0] == "scheduler"
    assert {"usage tally", "unsaved answers", "SUNAT client", "local copies of Redis reads",
            "register snapshots", "padron version seen", "search slots", "webhook TLS contexts",
            "local pacing", "flight lease renewer", "webhook DNS resolver"} <= set(names)


def test_a_test_leaves_no_counts_behind():
    tally.hour_event("hits")
    process.reset()

    assert tally.discard() == ({}, {}, {}, {})


def test_reset_and_stop_run_the_first_pieces_first_and_reset_raises_after_running_every_one():
    registry, calls = Registry(), []

    def failing():
        calls.append("counts reset")
        raise RuntimeError("broken")

    registry.register("counts", reset=failing, stop=lambda: calls.append("counts stop"))
    registry.register("scheduler", reset=lambda: calls.append("scheduler reset"),
                      stop=lambda: calls.append("scheduler stop"), first=True)
    registry.register("copies", reset=lambda: calls.append("copies reset"))

    with pytest.raises(RuntimeError, match="broken"):
        registry.reset()
    registry.stop()

    assert calls == ["scheduler reset", "counts reset", "copies reset", "scheduler stop", "counts stop"]


def test_a_lazy_piece_is_made_on_first_use_and_made_anew_when_one_of_its_settings_changes():
    registry, made, closed = Registry(), [], []
    piece = registry.lazy("client", lambda: made.append(object()) or made[-1], reset=closed.append,
                          settings=["SUNAT_*", "CHROME_BINARY"])

    assert made == [] and not piece.made()
    first = piece.get()
    assert piece.get() is first and made == [first]

    registry.setting_changed(setting="REDIS_URL")
    assert piece.get() is first and closed == []
    registry.setting_changed(setting="SUNAT_BASE_URL")
    assert closed == [first] and piece.get() is not first


def test_override_settings_reaches_the_registry(settings):
    before = search._slots()

    settings.PADRON_SEARCH_CONCURRENCY = 3

    assert search._slots() is not before


def test_a_forked_child_starts_each_piece_afresh_and_knows_its_parent():
    registry, after = Registry(), []
    piece = registry.lazy("copies", dict)
    registry.register("thread", after_fork=lambda: after.append("thread"))
    piece.get()["k"] = "the parent's"
    parent = os.getpid()

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            registry.after_fork()
            if piece.get() == {} and after == ["thread"] and registry.forked_from == parent:
                code = 0
        finally:
            os.write(write, bytes([code]))
            os._exit(code)
    os.close(write)
    try:
        assert os.read(read, 1) == b"\x00", "the child saw its parent's state"
    finally:
        os.close(read)
        os.waitpid(pid, 0)
    assert piece.get() == {"k": "the parent's"} and after == []
