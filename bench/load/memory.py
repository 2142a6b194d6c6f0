"""Resident memory of the server processes, read from ``/proc`` (Linux; no dependency)."""

from __future__ import annotations

from pathlib import Path

PROC = Path("/proc")


def rss_mb(pids: tuple[int, ...]) -> float | None:
    """Return the summed resident set size of ``pids`` in MB, or None if one is unreadable."""
    total_kb = 0
    for pid in pids:
        try:
            status = (PROC / str(pid) / "status").read_text()
        except OSError:
            return None
        line = next((line for line in status.splitlines() if line.startswith("VmRSS:")), None)
        if line is None:  # a zombie has no memory line
            return None
        total_kb += int(line.split()[1])
    return total_kb / 1024


def listening_pid(port: int) -> int | None:
    """Return the process listening on TCP ``port`` on loopback, if this user may see it.

    Reads the listening socket's inode from ``/proc/net/tcp`` (and ``tcp6``), then
    looks for it among the open files of this user's processes.
    """
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            rows = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            # local address "0100007F:1F90", state 0A = LISTEN, inode in column 10
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    for fd_dir in PROC.glob("[0-9]*/fd"):
        try:
            if any(str(fd.readlink()) in inodes for fd in fd_dir.iterdir()):
                return int(fd_dir.parent.name)
        except OSError:  # another user's process, or one that just ended
            continue
    return None
