#!/usr/bin/env python3
# Batch 4 of issue 14's held-out data (see README.md). Run from this folder:
#   python3 split4.py rows.tsv
# rows.tsv: the gathered rows (provider, code, text, source). Rows whose text
# is already in the shared corpus, extra.tsv, dev.tsv, holdout.tsv, holdout2.tsv,
# known_test.go's knownReplies or a catalog sample/counter-sample are
# dropped (the texts compared lower-cased, white space collapsed, a Postfix
# "host … said:"/"refused to talk to me:" wrapper, a "Remote host said:" or
# "Diagnostic-Code: smtp;" prefix, the leading reply codes and a trailing
# "(in reply to … command)" removed). The rest are grouped by source (the
# source up to its first " (" note; a source with ten rows or more is
# grouped by source and label, as split.py does) and a group goes to the
# held-out file when SHA-256("rblwatch-holdout4-2026" + group) falls in the
# lower half of its range; the other groups are appended to dev.tsv.
import hashlib, re, sys, collections, os, yaml
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

def norm(s):
    s = ' '.join(s.split()).lower()
    s = re.sub(r'^diagnostic-code:\s*(smtp;\s*)?', '', s)
    s = re.sub(r'^.*?(?: said: | refused to talk to me: )', '', s)
    s = re.sub(r'^remote host said:\s*', '', s)
    s = re.sub(r'\s*\(in reply to [^)]*command\)?\s*$', '', s)
    s = re.sub(r'^(?:[245]\d\d[ -])?(?:[245x]\.\d{1,3}\.\d{1,3}\s+)?', '', s)
    return s.strip()

seen = {}
def add(path, col, name):
    for line in open(path, encoding='utf-8'):
        c = line.rstrip('\n').split('\t')
        if len(c) > col:
            seen.setdefault(norm(c[col]), name)
add(os.path.join(REPO, '..', 'shared', 'corpus', 'rejections.tsv'), 2, 'corpus')
for f in ('extra.tsv', 'dev.tsv', 'holdout.tsv', 'holdout2.tsv'):
    add(os.path.join(HERE, f), 2, f)
for m in re.finditer(r'\{"((?:[^"\\]|\\.)*)", ', open(os.path.join(REPO, 'classify', 'known_test.go'), encoding='utf-8').read()):
    seen.setdefault(norm(m.group(1)), 'knownReplies')
cat = yaml.safe_load(open(os.path.join(REPO, 'classify', 'catalog.yaml'), encoding='utf-8'))
rules = [r for p in cat['providers'] for r in (p.get('rules') or [])] + cat['rules']
for r in rules:
    for s in (r.get('samples') or []) + (r.get('counter') or []):
        seen.setdefault(norm(s), 'catalog')

rows, mine = [], set()
for line in open(sys.argv[1], encoding='utf-8'):
    r = line.rstrip('\n').split('\t')
    k = norm(r[2])
    if k in seen or k in mine:
        print('drop (%s): %s' % (seen.get(k, 'repeated'), r[2]), file=sys.stderr)
        continue
    mine.add(k)
    rows.append(r)

def base(src):
    return src.split(' (')[0]
count = collections.Counter(base(r[3]) for r in rows)
def group(r):
    b = base(r[3])
    return b + '#' + r[0] if count[b] >= 10 else b
SEED = 'rblwatch-holdout4-2026'
H, D = [], []
for r in rows:
    h = int(hashlib.sha256((SEED + group(r)).encode()).hexdigest(), 16)
    (H if h < 2**255 else D).append(r)
with open(os.path.join(HERE, 'holdout3.tsv'), 'w', encoding='utf-8') as f:
    f.write('provider\tcode\ttext\tsource\n')
    f.writelines('\t'.join(r) + '\n' for r in H)
with open(os.path.join(HERE, 'dev.tsv'), 'a', encoding='utf-8') as f:
    f.writelines('\t'.join(r) + '\n' for r in D)
def stats(rs):
    pos = sum(1 for r in rs if not r[0].startswith('none:'))
    return '%d rows, %d blocklist, %d other' % (len(rs), pos, len(rs) - pos)
print('held out:', stats(H), file=sys.stderr)
print('dev:', stats(D), file=sys.stderr)
