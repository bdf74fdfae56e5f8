#!/usr/bin/env python3
"""Runs a command and prints its wall time, CPU time (user+sys) and peak RSS as JSON.

Usage: measure.py COMMAND [ARGS...]
"""
import json
import resource
import subprocess
import sys
import time

start = time.monotonic()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "exit": proc.returncode,
    "wall_s": wall,
    "cpu_s": usage.ru_utime + usage.ru_stime,
    "peak_rss_mb": usage.ru_maxrss / 1024.0,
    "stdout": proc.stdout.strip(),
    "stderr": proc.stderr.strip()[-500:],
}))
