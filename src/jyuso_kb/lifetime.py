"""Child processes end with their parent: the one place that asks the kernel for it (``PR_SET_PDEATHSIG``)."""

from __future__ import annotations

import ctypes
import os
import signal

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int, signum: int = signal.SIGKILL) -> None:
    """In a child (after fork, also before an exec: the setting survives it): have the kernel send ``signum`` when
    the thread that forked it ends; exit at once when the parent ``parent`` died before this was armed."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)
