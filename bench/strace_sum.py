# SPDX-License-Identifier: MIT
"""bench/strace_sum.py: what one client run loaded and how often it connected.

Usage: python3 bench/strace_sum.py STRACE_LOG ACME_PORT PROGRAM

Reads the output of `strace -f -e trace=execve,openat,connect` (bench/compare.sh)
and prints three numbers:
  binary   size of PROGRAM's executable (the first successful execve whose
           name is PROGRAM; for a script, its #! interpreter, as certbot's;
           for "#!/usr/bin/env NAME", NAME found in PATH, as dehydrated's)
  loaded   sizes of every distinct file the run executed, plus every shared
           library (*.so*) and Python module (*.py, *.pyc) it opened
  tls      connect() calls to 127.0.0.1:ACME_PORT that succeeded or were
           in progress: one TCP connection, so one TLS handshake, each
Split lines (<unfinished ...> / <... resumed>) of threaded clients are joined
per pid.
"""
import os
import re
import shutil
import sys

LINE = re.compile(r'^(\d+)\s+(.*)$')
CALL = re.compile(r'^(execve|openat|connect)\((.*)$')
RESUMED = re.compile(r'^<\.\.\. (execve|openat|connect) resumed>(.*)$')
RESULT = re.compile(r'\)\s+=\s+(-?\d+|\?)(?:\s+(\w+))?')


def calls(path):
    """Yields (name, args text, result, errno name) for each complete call."""
    pending = {}
    with open(path, errors='replace') as f:
        for raw in f:
            raw = raw.rstrip('\n')
            m = LINE.match(raw)
            pid, text = (m.group(1), m.group(2)) if m else ('0', raw)
            c = CALL.match(text)
            if c:
                if text.endswith('<unfinished ...>'):
                    pending[pid] = (c.group(1), c.group(2))
                    continue
                name, rest = c.group(1), c.group(2)
            else:
                r = RESUMED.match(text)
                if not r or pid not in pending:
                    continue
                name, args = pending.pop(pid)
                rest = args + r.group(2)
            res = RESULT.search(rest)
            if res:
                yield name, rest, res.group(1), res.group(2)


def main():
    log, port, program = sys.argv[1], sys.argv[2], sys.argv[3]
    files, binary, tls = set(), None, 0
    for name, args, ret, err in calls(log):
        ok = ret not in ('?',) and int(ret) >= 0
        if name == 'execve' and ok:
            p = re.match(r'"([^"]*)"', args).group(1)
            files.add(os.path.realpath(p))
            with open(p, 'rb') as f:
                head = f.read(256)
            if head.startswith(b'#!'):
                line = head[2:].split(b'\n')[0]
                words = line.decode(errors='replace').split()
                interp = words[0]
                if os.path.basename(interp) == 'env' and len(words) > 1:
                    files.add(os.path.realpath(interp))
                    interp = shutil.which(words[1]) or interp
                files.add(os.path.realpath(interp))
                if binary is None and os.path.basename(p) == program:
                    binary = os.path.realpath(interp)
            elif binary is None and os.path.basename(p) == program:
                binary = os.path.realpath(p)
        elif name == 'openat' and ok:
            m = re.search(r'"([^"]*)"', args)
            if m and re.search(r'(\.so(\.[0-9.]+)?|\.pyc?)$', m.group(1)):
                p = os.path.realpath(m.group(1))
                if os.path.isfile(p):
                    files.add(p)
        elif name == 'connect' and (ok or err == 'EINPROGRESS'):
            if ('htons(%s)' % port) in args and '"127.0.0.1"' in args:
                tls += 1
    if binary is None:
        sys.exit('strace_sum: no execve of %s in %s' % (program, log))
    loaded = sum(os.path.getsize(p) for p in files if os.path.isfile(p))
    print(os.path.getsize(binary), loaded, tls)


if __name__ == '__main__':
    main()
