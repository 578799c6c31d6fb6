#!/usr/bin/env python3
# Batch 2 (gathered after the rules were written): the same dedup, then each
# source group goes to the held-out part when SHA-256("rblwatch-holdout-2026"
# + group) falls in the lower 60 % of the range.
import re, hashlib, sys, yaml
REPO='/work/wt/classify'
exec(open('/tmp/cc/split.py').read().split("seen={}")[0])  # norm()
seen=set()
for f,col in [(f'{REPO}/../shared/corpus/rejections.tsv',2),(f'{REPO}/classify/testdata/extra.tsv',2),(f'{REPO}/classify/testdata/dev.tsv',2),(f'{REPO}/classify/testdata/holdout.tsv',2)]:
    for line in open(f):
        c=line.rstrip('\n').split('\t')
        if len(c)>col: seen.add(norm(c[col]))
for m in re.finditer(r'\{"((?:[^"\\]|\\.)*)", ', open(f'{REPO}/classify/known_test.go').read()):
    seen.add(norm(m.group(1)))
cat=yaml.safe_load(open(f'{REPO}/classify/catalog.yaml'))
def rules():
    for p in cat['providers']:
        for r in p.get('rules') or []: yield r
    for r in cat['rules']: yield r
for r in rules():
    for s in (r.get('samples') or [])+(r.get('counter') or []): seen.add(norm(s))
H=[];D=[]
for l in open('/tmp/cc/b2/rows.tsv'):
    r=l.rstrip('\n').split('\t')
    k=norm(r[2])
    if k in seen: print('drop',r[2],file=sys.stderr); continue
    seen.add(k)
    h=int(hashlib.sha256(('rblwatch-holdout-2026'+r[3]).encode()).hexdigest(),16)
    (H if h < 0.6*2**256 else D).append(r)
open('/tmp/cc/b2/holdout.tsv','w').writelines('\t'.join(r)+'\n' for r in H)
open('/tmp/cc/b2/dev.tsv','w').writelines('\t'.join(r)+'\n' for r in D)
print('holdout',len(H),'dev',len(D),file=sys.stderr)
