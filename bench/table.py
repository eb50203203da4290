# SPDX-License-Identifier: MIT
"""bench/table.py: the markdown table of bench/compare.sh.

Usage: python3 bench/table.py RESULTS RUNS PEBBLE_VERSION

RESULTS has one line per run (see compare.sh):
  CLIENT N time WALL_S CPU_S PEAK_RSS_KIB REQUESTS
  CLIENT N strace BINARY_BYTES LOADED_BYTES TLS_CONNECTIONS
  CLIENT N callgrind INSTRUCTIONS
  CLIENT N first INSTRUCTIONS   (nanoacme+bundle's run that writes its
                                 anchor cache: the note under the table)
  CLIENT N retry                (a run that failed as compare.sh's
                                 known_failure says, and was run again)
Prints a header line, the medians of the timed runs, each with its ratio
to nanoacme's value for the same number of names, and the notes.
"""
import os
import statistics
import subprocess
import sys

# Why a client's runs fail by chance (compare.sh's known_failure).
RETRY_WHY = {
    'uacme': 'uacme 1.7.4 stops at a challenge without a "token" ("failed '
             'to parse challenge"), and Pebble 2.10 offers dns-persist-01, '
             'which has none, in a random place among the challenges of each '
             'authorization',
}


def fmt_bytes(n):
    if n >= 1 << 20:
        return '%.1f MiB' % (n / (1 << 20))
    return '%.0f KiB' % (n / 1024)


def fmt_s(x):
    if x < 0.01:
        return '%.1f ms' % (x * 1e3)
    if x < 1:
        return '%.0f ms' % (x * 1e3)
    return '%.2f s' % x if x < 10 else '%.1f s' % x


def fmt_int(x):
    return '%d' % round(x) if x == int(x) else '%.1f' % x


def fmt_instr(x):
    return '%.0f M' % (x / 1e6)


def cell(v, base, fmt):
    if v is None:
        return ''
    if base is None or base == 0:
        return fmt(v)
    return '%s (%s)' % (fmt(v), ratio(v / base))


def ratio(r):
    return ('×%.0f' if r >= 100 else '×%.1f' if r >= 10 else '×%.2f') % r


def version(pkg):
    try:
        return subprocess.run(['dpkg-query', '-W', '-f', '${Version}', pkg],
                              capture_output=True, text=True).stdout or '?'
    except OSError:
        return '?'


def main():
    path, runs, pebble = sys.argv[1], sys.argv[2], sys.argv[3]
    timed, stra, cg, first, order = {}, {}, {}, {}, []
    tries, retries = {}, {}
    with open(path) as f:
        for line in f:
            w = line.split()
            key = (w[0], int(w[1]))
            tries[key] = tries.get(key, 0) + 1
            if w[2] == 'retry':
                retries[key] = retries.get(key, 0) + 1
                continue
            if w[2] == 'first':
                first[key] = int(w[3])
                continue
            if key not in order:
                order.append(key)
            if w[2] == 'time':
                wall, cpu, rss, req = map(float, w[3:7])
                timed.setdefault(key, []).append((wall, cpu, rss * 1024, req))
            elif w[2] == 'strace':
                stra[key] = tuple(map(int, w[3:6]))
            elif w[2] == 'callgrind':
                cg[key] = int(w[3])
    rows = {}
    for key in order:
        t = timed.get(key, [])
        med = [statistics.median(x[i] for x in t) if t else None
               for i in range(4)]
        s = stra.get(key, (None, None, None))
        rows[key] = [s[0], s[1], med[0], med[1], med[2], med[3], s[2],
                     cg.get(key)]
    fmts = [fmt_bytes, fmt_bytes, fmt_s, fmt_s, fmt_bytes, fmt_int, fmt_int,
            fmt_instr]
    try:
        rev = subprocess.run(['git', 'describe', '--always', '--dirty'],
                             capture_output=True, text=True).stdout.strip()
    except OSError:
        rev = '?'
    cpu = '?'
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(l.split(':', 1)[1].strip() for l in f
                       if l.startswith('model name'))
    except (OSError, StopIteration):
        pass
    print('nanoacme %s (static musl x86_64), uacme %s, lego %s, certbot %s, '
          'dehydrated %s, acme-tiny %s; Pebble %s; %s, %d cores; median of '
          '%s runs, fresh Pebble and state each run.'
          % (rev or '?', version('uacme'), version('lego'),
             version('certbot'), version('dehydrated'), version('acme-tiny'),
             pebble, cpu, os.cpu_count(), runs))
    print()
    print('| client | names | binary | + loaded | wall | CPU (user+sys) '
          '| peak RSS | requests | TLS handshakes | instructions |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    for key in order:
        base = rows.get(('nanoacme', key[1]))
        cells = []
        for i, v in enumerate(rows[key]):
            b = None if base is None or key[0] == 'nanoacme' else base[i]
            cells.append(cell(v, b, fmts[i]))
        print('| %s | %d | %s |' % (key[0], key[1], ' | '.join(cells)))
    for key in order:
        if key in retries:
            print()
            print('%s, %d name(s): %d of %d runs failed and were run again '
                  '(the table shows the others): %s.'
                  % (key[0], key[1], retries[key], tries[key],
                     RETRY_WHY.get(key[0], 'see compare.sh')))
    for key, v in sorted(first.items()):
        base = cg.get(('nanoacme', key[1]))
        print()
        print('%s, %d name(s), first run (decodes the bundle, writes '
              'STATE/anchors; untimed): %s instructions%s.'
              % (key[0], key[1], fmt_instr(v),
                 ' (%s)' % ratio(v / base) if base else ''))


if __name__ == '__main__':
    main()
