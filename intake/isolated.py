"""The heavy read of an uploaded workbook, in a worker process with CPU and memory limits.

An XLSX file's parts are checked first (intake.xlsx_checks), but a parser may still find a way
to grow that no check foresaw. So the parse runs in its own short-lived process, never in the
dashboard's: a fresh interpreter (`python -I`, importing only the reader) that limits itself
before it reads a byte of the file: CPU_SECONDS of CPU time for the parse, MEMORY_BYTES of
address space, no file writes, no child processes, and a lower priority than the dashboard.
The dashboard's process only waits on a pipe, so another visitor's page is served meanwhile;
at most WORKERS reads run at once in one dashboard process, and a read that breaks a limit is
a problem with the file ("took more than 1.5 s of the server's time"), never a crash.

What crosses the pipe is JSON both ways: the job and the file's bytes in, the reader's result
(which it encodes itself) or its problems out. Only the readers named in JOBS can be run.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from core.problems import InputError, Problem

CPU_SECONDS = 1.5  # of CPU time for the parse, after the worker has started (the largest return: 0.3 s)
MEMORY_BYTES = 300 * 1024 * 1024  # the worker's whole address space
WALL_SECONDS = 60  # a hang guard: the worker is killed after this long, whatever it is doing
WORKERS = 2  # reads at once in one dashboard process (the machine may have two cores)
MAX_RESULT_BYTES = 16 * 1024 * 1024
# The readers a worker may run: job -> "module:function(raw, name, **options) -> JSON-able result".
JOBS = {
    "rows": "intake.reading:parse_xlsx_json",
    "form": "intake.workbook:read_in_worker",
}
_slots = threading.BoundedSemaphore(WORKERS)
# The last worker's peak memory (VmHWM, sampled, and as it said itself), for the tests and bench/.
last_peak_bytes = 0
# For tests of the limits themselves: spend CPU, or take memory, in the worker before reading.
_spin_before_reading = False
_grab_before_reading = 0


def run(job: str, raw: bytes, name: str, **options) -> dict[str, Any]:
    """The result of reader `job` on the file's bytes, read in a worker process with limits.

    Raises InputError with the reader's problems, or with one saying which limit stopped it."""
    if job not in JOBS:
        raise ValueError(f"no reader {job!r}")
    header = {
        "job": job,
        "name": name,
        "options": options,
        "cpu_seconds": CPU_SECONDS,
        "memory_bytes": MEMORY_BYTES,
        "spin": _spin_before_reading,
        "grab": _grab_before_reading,
    }
    message = json.dumps(header).encode("utf-8") + b"\n" + raw
    if not _slots.acquire(timeout=WALL_SECONDS):
        raise InputError([Problem(name, 0, "", "the server is busy reading other workbooks; try again in a minute")])
    try:
        out, status = _work(message)
    finally:
        _slots.release()
    return _result(name, out, status)


def _work(message: bytes) -> tuple[bytes, int]:
    """Run a worker on `message`; its output and exit status (negative: the signal that ended it)."""
    root = str(Path(__file__).resolve().parent.parent)
    bootstrap = f"import sys; sys.path.insert(0, {root!r}); from intake.isolated import main; main()"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",  # openpyxl imports numpy when it is there: one thread, one arena
        "OMP_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
    }
    proc = subprocess.Popen(
        [sys.executable, "-I", "-c", bootstrap],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd="/",
        close_fds=True,
    )
    watch = _Watch(proc)
    watch.start()
    try:
        try:  # the worker reads all of its input before it writes anything
            proc.stdin.write(message)
            proc.stdin.close()
        except BrokenPipeError:
            pass
        out = proc.stdout.read(MAX_RESULT_BYTES + 1)
        proc.stdout.close()
        watch.stop()
        _, status = os.waitpid(proc.pid, 0)
    finally:
        watch.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    global last_peak_bytes
    last_peak_bytes = watch.peak
    return out, proc.returncode


class _Watch(threading.Thread):
    """Kills the worker after WALL_SECONDS, and samples its peak memory (VmHWM) meanwhile, for the record."""

    def __init__(self, proc: subprocess.Popen):
        super().__init__(daemon=True)
        self.proc, self.peak, self.done = proc, 0, threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + WALL_SECONDS
        while not self.done.wait(0.02):
            self.peak = max(self.peak, _high_water(self.proc.pid))
            if time.monotonic() > deadline:
                self.proc.kill()
                return

    def stop(self) -> None:
        self.done.set()


def _high_water(pid: int | str = "self") -> int:
    """A process's peak resident memory since it started its program (VmHWM), in bytes; 0 when gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _result(name: str, out: bytes, status: int) -> dict[str, Any]:
    if status in (-signal.SIGPROF, -signal.SIGXCPU, -signal.SIGKILL):
        raise InputError(
            [
                Problem(
                    name,
                    0,
                    "",
                    f"reading the workbook took more than {CPU_SECONDS:g} s of the server's time; expected a "
                    "return of at most 1,000 rows, as the dashboard's workbook holds",
                )
            ]
        )
    try:
        said = json.loads(out.decode("utf-8")) if len(out) <= MAX_RESULT_BYTES else {}
    except (UnicodeDecodeError, ValueError):
        said = {}
    global last_peak_bytes
    if isinstance(said, dict) and isinstance(said.get("peak"), int):
        last_peak_bytes = max(last_peak_bytes, said["peak"])
    else:
        said = {}
    if said.get("memory"):
        raise InputError(
            [
                Problem(
                    name,
                    0,
                    "",
                    f"reading the workbook needed more than {MEMORY_BYTES // (1024 * 1024)} MB; expected a "
                    "return of at most 1,000 rows, as the dashboard's workbook holds",
                )
            ]
        )
    if "problems" in said:
        raise InputError([Problem(str(f), int(r), str(c), str(m)) for f, r, c, m in said["problems"]])
    if "result" in said and status == 0:
        return said["result"]
    raise InputError(
        [
            Problem(
                name,
                0,
                "",
                f"the workbook could not be read (the reader stopped, status {status}); expected a workbook "
                "saved from Excel as .xlsx",
            )
        ]
    )


# ---------------------------------------------------------------- in the worker


def main() -> None:
    """The worker: limit itself, read the job and the file from standard input, write the result."""
    header_line = sys.stdin.buffer.readline(64 * 1024)
    header = json.loads(header_line)
    raw = sys.stdin.buffer.read()
    target = JOBS[header["job"]]
    module_name, function_name = target.split(":")
    reader = getattr(importlib.import_module(module_name), function_name)
    for preload in ("openpyxl", "openpyxl.reader.excel"):  # imported before the limits start counting
        importlib.import_module(preload)
    try:
        os.nice(10)
    except OSError:
        pass
    _limit(header)
    try:
        if header.get("spin"):
            while True:
                pass
        if header.get("grab"):
            _ = bytearray(int(header["grab"]))
        result = {"result": reader(raw, header["name"], **header["options"])}
    except InputError as err:
        result = {"problems": [[p.file, p.row, p.column, p.message] for p in err.problems]}
    except MemoryError:
        result = {"memory": True}
    result["peak"] = _high_water()
    try:
        sys.stdout.buffer.write(json.dumps(result).encode("utf-8"))
        sys.stdout.buffer.flush()
    except MemoryError:
        os._exit(3)
    os._exit(0)


def _limit(header: dict) -> None:
    """CPU time (the parse's own, on top of what starting took), address space, no files, no children."""
    signal.signal(signal.SIGPROF, signal.SIG_DFL)  # the timer's signal ends the process, mid-parse or not
    signal.setitimer(signal.ITIMER_PROF, max(float(header["cpu_seconds"]), 0.001))
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = math.ceil(used.ru_utime + used.ru_stime + float(header["cpu_seconds"])) + 1  # the backstop
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    memory = int(header["memory_bytes"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
