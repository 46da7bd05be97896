"""Run as a program: decodes the image file given (as a session image) and prints the process's memory
in MB before, at its peak during, and after, as JSON; in a process of its own, so nothing else counts."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path


def status_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (the peak since it was last reset) of this process, in MB."""
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith(field))
    return int(line.split()[1]) / 1024


def main() -> None:
    from backend.sessions import images

    data = Path(sys.argv[1]).read_bytes()

    async def measured() -> dict[str, float]:
        before = status_mb("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from now
        for _ in range(3):  # after the first, glibc serves such blocks from the thread's heap
            await images.encode_image_in_worker(data)
        # Still inside the loop: its worker thread, and whatever memory that thread's heap keeps, live on.
        return {"before": before, "peak": status_mb("VmHWM"), "after": status_mb("VmRSS")}

    print(json.dumps(asyncio.run(measured())))


if __name__ == "__main__":
    main()
