# SPDX-License-Identifier: MIT
"""bench/measure.py: run a command; write its wall time, CPU time and peak RSS.

Usage: python3 bench/measure.py OUTFILE COMMAND [ARG...]

OUTFILE gets one line "WALL_S CPU_S PEAK_RSS_KIB":
  wall   from spawn to exit
  CPU    user+sys of the command and every descendant it waited for
         (wait4, microseconds)
  peak   the largest VmHWM (peak resident set) among the command and its
         descendants, read from /proc/PID/status every millisecond until
         each exits; VmHWM is a high-water mark, so a sample misses only
         growth in a process's last millisecond
The exit status is the command's (128+N if killed by signal N).

Why not GNU time's %M (wait4's ru_maxrss): Linux carries the RSS of the
forked launcher into ru_maxrss across exec (GNU time's ~0.45 MiB is a floor
under every reading), and on this kernel it comes from approximate per-CPU
counters: it read 256 KiB where VmHWM read 436 KiB for the same nanoacme
run. VmHWM belongs to the exec'd image alone and is exact.
"""
import os
import subprocess
import sys
import time


def children(pid):
    out = []
    try:
        for tid in os.listdir('/proc/%d/task' % pid):
            with open('/proc/%d/task/%s/children' % (pid, tid)) as f:
                out.extend(int(c) for c in f.read().split())
    except OSError:
        pass
    return out


def hwm(pid):
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    out, argv = sys.argv[1], sys.argv[2:]
    t0 = time.monotonic()
    p = subprocess.Popen(argv)
    peak = {}
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid == p.pid:
            break
        todo, seen = [p.pid], set()
        while todo:
            q = todo.pop()
            if q in seen:
                continue
            seen.add(q)
            peak[q] = max(peak.get(q, 0), hwm(q))
            todo.extend(children(q))
        time.sleep(0.001)
    wall = time.monotonic() - t0
    with open(out, 'w') as f:
        f.write('%.6f %.6f %d\n' % (wall, ru.ru_utime + ru.ru_stime,
                                    max(peak.values(), default=0)))
    if os.WIFSIGNALED(status):
        sys.exit(128 + os.WTERMSIG(status))
    sys.exit(os.WEXITSTATUS(status))


if __name__ == '__main__':
    main()
