#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Include cycles in ctl/: among the headers, and among the modules, where
# a.c depends on b.c when it includes b.h. Exit 1 if there is one.
import glob, os, re, sys

d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'ctl')
inc = {}
for f in glob.glob(os.path.join(d, '*.[ch]')):
    with open(f) as fh:
        inc[os.path.basename(f)] = [m for m in re.findall(r'#include "([^"]+)"', fh.read())
                                    if os.path.exists(os.path.join(d, m))]

def cycles(g):
    found = set()
    def walk(n, stack):
        for m in g.get(n, []):
            if m in stack:
                c = stack[stack.index(m):]
                k = c.index(min(c))
                found.add(tuple(c[k:] + c[:k]))
            else:
                walk(m, stack + [m])
    for n in g:
        walk(n, [n])
    return sorted(found)

headers = {k: v for k, v in inc.items() if k.endswith('.h')}
modules = {k[:-2]: [h[:-2] for h in v if h[:-2] != k[:-2] and os.path.exists(os.path.join(d, h[:-2] + '.c'))]
           for k, v in inc.items() if k.endswith('.c')}
bad = 0
for kind, g in (('header', headers), ('module', modules)):
    for c in cycles(g):
        print('%s cycle: %s' % (kind, ' -> '.join(c + (c[0],))))
        bad = 1
if not bad:
    print('no include cycles in %s' % os.path.normpath(d))
sys.exit(bad)
