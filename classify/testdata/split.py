#!/usr/bin/env python3
import re, yaml, hashlib, sys, collections
REPO='/work/wt/classify'
def norm(s):
    s=' '.join(s.split()).lower()
    s=re.sub(r'^diagnostic-code:\s*','',s)
    s=re.sub(r'^smtp;\s*','',s)
    s=re.sub(r'^.*?(?: said: | refused to talk to me: )','',s)
    s=re.sub(r'\s*\(in reply to [^)]*command\)\s*$','',s)
    s=re.sub(r'^remote host said:\s*','',s)
    return s.strip()
seen={}
for line in open(f'{REPO}/../shared/corpus/rejections.tsv'):
    c=line.rstrip('\n').split('\t')
    if len(c)>2: seen[norm(c[2])]='corpus'
for line in open(f'{REPO}/classify/testdata/extra.tsv'):
    c=line.rstrip('\n').split('\t')
    if len(c)>2: seen[norm(c[2])]='extra'
for m in re.finditer(r'\{"((?:[^"\\]|\\.)*)", ', open(f'{REPO}/classify/known_test.go').read()):
    seen[norm(m.group(1).encode().decode('unicode_escape'))]='known'
cat=yaml.safe_load(open(f'{REPO}/classify/catalog.yaml'))
def rules():
    for p in cat['providers']:
        for r in p.get('rules') or []: yield r
    for r in cat['rules']: yield r
for r in rules():
    for s in (r.get('samples') or [])+(r.get('counter') or []):
        seen[norm(s)]='catalog'
rows=[l.rstrip('\n').split('\t') for l in open('rows.tsv')]
keep=[];dropped=[]
mine=set()
for r in rows:
    k=norm(r[2])
    if k in seen or k in mine:
        dropped.append((seen.get(k,'dup'),r[2])); continue
    mine.add(k); keep.append(r)
print('kept',len(keep),'dropped',len(dropped),file=sys.stderr)
for d in dropped: print('  drop',d,file=sys.stderr)
# groups
def group(r):
    src=r[3]
    if src.startswith('DEVONLY'): return None
    n=sum(1 for x in keep if x[3]==src)
    if n>=10: return src+'#'+r[0]
    return src
SEED='rblwatch-holdout-2026'
groups=collections.OrderedDict()
for r in keep:
    g=group(r)
    groups.setdefault(g,[]).append(r)
elig=[g for g in groups if g is not None]
elig.sort(key=lambda g: hashlib.sha256((SEED+g).encode()).hexdigest())
total=sum(len(groups[g]) for g in elig)
hold=set(); n=0
for g in elig:
    if n < 0.6*total:
        hold.add(g); n+=len(groups[g])
H=[];D=[]
for g,rs in groups.items():
    (H if g in hold else D).extend(rs)
hdr='provider\tcode\ttext\tsource\n'
with open('holdout.tsv','w') as f:
    f.write(hdr)
    for r in H: f.write('\t'.join(r[:4])+'\n')
with open('dev.tsv','w') as f:
    f.write(hdr)
    for r in D: f.write('\t'.join([r[0],r[1],r[2],r[3].replace('DEVONLY ','')])+'\n')
def stats(rs):
    pos=sum(1 for r in rs if not r[0].startswith('none:')); return f'{len(rs)} rows, {pos} positive, {len(rs)-pos} negative'
print('holdout',stats(H),'groups',len(hold),file=sys.stderr)
print('dev',stats(D),file=sys.stderr)
