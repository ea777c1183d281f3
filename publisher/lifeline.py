"""Child processes that die with their parent.

A ``kill -9`` of ``nokwatch publish`` or ``registry sync`` once left their worker processes running
for ever, holding the terminal's pipe open (``nokwatch publish | tail`` never ended), and an orphaned
crawl child went on crawling beside the resumed run. On Linux every child nokwatch starts asks the
kernel for SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``); it also exits at once if the
parent died before it could ask. Elsewhere only the second check is made.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
ENVIRONMENT = "NOKWATCH_PARENT_PID"


def die_with_parent(parent: int | None = None) -> None:
    """Call first thing in a child: SIGKILL when the parent dies; exit now if ``parent`` is gone."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def die_with_parent_from_environment() -> None:
    """`die_with_parent` for a child started with ``NOKWATCH_PARENT_PID`` in its environment."""
    parent = os.environ.get(ENVIRONMENT)
    if parent:
        die_with_parent(int(parent))


def alive(pid: int, marker: str = "") -> bool:
    """Whether process ``pid`` runs, a zombie not counting (and its command line contains
    ``marker``, if given). The one such check: the scheduler's children use it too."""
    proc = f"/proc/{pid}"
    if not os.path.isdir("/proc"):  # no /proc to ask: the signal check alone, marker assumed
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True
    try:
        with open(f"{proc}/stat", encoding="utf-8", errors="replace") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
        with open(f"{proc}/cmdline", "rb") as cmdline:
            command = cmdline.read()
    except (OSError, IndexError):
        return False
    return state != "Z" and (not marker or marker.encode() in command)
