"""`manage.py qcluster`: django-q2's, with every process of the cluster ending with its parent.

django-q2's main process forks a sentinel, which forks the pusher, the monitor and the workers. A
`kill -9` of the main process (or an OOM kill) leaves them running on a bare host, still taking
tasks beside the next worker started. On Linux each process of the cluster asks the kernel for
SIGTERM when its parent dies (PR_SET_PDEATHSIG): the sentinel ends (django-q2 leaves SIGTERM at its
default there), then its children do. A task cut short so is run again after Q_CLUSTER's `retry`.
The request is made just after each fork, as a piece of the process's state (sunat.process).
"""

import ctypes
import os
import signal
import sys

from django_q.management.commands.qcluster import Command as QclusterCommand

from sunat import process

_PR_SET_PDEATHSIG = 1


class Command(QclusterCommand):
    def handle(self, *args, **options):
        if sys.platform.startswith("linux"):
            process.register("qcluster: end with the parent", after_fork=_die_with_parent)
        super().handle(*args, **options)


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != process.forked_from():  # the parent died before the request: nobody will signal
        os._exit(1)
