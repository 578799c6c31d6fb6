#!/usr/bin/env bash
# bench/replay.sh — `rblwatch replay` against `grep -c` and pflogsumm, on the
# generator's realistic log and on a dense one (4 % failure lines drawn from
# real replies, many incidents), then peak memory on 10 M lines of each, and
# on both sizes of each without Postfix's "removed" lines.
#
#   bench/replay.sh [LINES] [RUNS] [BIG]    defaults: 1000000 lines, 5 runs, 10000000 lines
#
# Environment: REPLIES (default ../shared/corpus/rejections.tsv beside the
# repository), the replies the dense log is built from (a TSV of
# provider<TAB>code<TAB>text rows, see bench/genlog); BIG_RUNS (default 3);
# BENCH_DIR to keep the logs (they are made again otherwise; a kept log is
# made again when LINES, BIG or REPLIES differ from what it was made of). A relative
# REPLIES or BENCH_DIR is taken from the directory the script is run in.
# The machine is shared and its speed drifts: the tools run in turn, in
# pairs side by side (see the rounds below), and medians are reported, with
# the CPU time (user+sys) of each, which other loads disturb less; a check
# on a ratio or a difference takes the median over the rounds of each
# round's own ratio or difference.
#
# Reports and checks issue 10's targets:
#   generator log: replay >= 0.5x grep -c and >= 40x pflogsumm (wall, medians);
#   dense log: replay >= 0.33x grep -c, <= 5 us of CPU per rejection line
#     (the CPU it costs beyond the generator log's, per extra failure line;
#     that includes what its ~90x more incidents cost, their report too);
#   10 M lines: peak RSS <= 64 MiB for both logs;
#   without "removed" lines (grep -v, as a log whose qmgr lines were filtered
#     out or a grep of status= lines): peak RSS <= 64 MiB at LINES and BIG
#     lines of both logs, with the queue ids evicted (incident.MaxQueueIDs);
#   totals equal pflogsumm's; GC share of the replay (GODEBUG=gctrace).
# It says how dense each log is: its failure lines (status=deferred and
# status=bounced) and their share of the lines, and the incidents replay
# finds in it.
# Needs: go, pflogsumm, bc. Exit 1 when a check fails.
set -euo pipefail
# abs PATH: PATH from the directory the script was run in.
here=$PWD
abs() { case $1 in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$here" "$1" ;; esac; }
[ -n "${REPLIES:-}" ] && REPLIES=$(abs "$REPLIES")
[ -n "${BENCH_DIR:-}" ] && BENCH_DIR=$(abs "$BENCH_DIR")
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
RUNS=${2:-5}
BIG=${3:-10000000}
BIG_RUNS=${BIG_RUNS:-3}
REPLIES=${REPLIES:-../shared/corpus/rejections.tsv}
work=${BENCH_DIR:-$(mktemp -d /tmp/rblwatch-bench.XXXXXX)}
trap '[ -z "${BENCH_DIR:-}" ] && rm -rf "$work"' EXIT

for tool in pflogsumm bc; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not installed (apt-get install pflogsumm bc)" >&2; exit 2; }
done
[ -f "$REPLIES" ] && [ -r "$REPLIES" ] || { echo "bench: no replies file $REPLIES (set REPLIES to a TSV of provider<TAB>code<TAB>text rows)" >&2; exit 2; }

go build -o "$work/rblwatch" ./cmd/rblwatch
go build -o "$work/genlog" ./bench/genlog
go build -o "$work/timeit" ./bench/timeit
# gen NAME LINES [dense]: the log NAME, made unless a BENCH_DIR holds one
# made the same way: NAME.made says how (genlog's arguments, and the
# replies' checksum), so a kept log of other LINES or other REPLIES is made
# again, with its "removed"-less copy.
gen() {
  local f=$work/$1 args=(-n "$2" -seed 1) made
  if [ "${3:-}" = dense ]; then args+=(-fail 0.13); fi
  made=${args[*]}
  if [ "${3:-}" = dense ]; then made+=" replies $(sha256sum < "$REPLIES" | cut -d" " -f1)"; fi
  if [ ! -s "$f" ] || [ "$(cat "$f.made" 2>/dev/null)" != "$made" ]; then
    rm -f "$f.made" "${f%.log}-noremoved.log"
    if [ "${3:-}" = dense ]; then
      "$work/genlog" "${args[@]}" -replies "$REPLIES" -o "$f"
    else
      "$work/genlog" "${args[@]}" -o "$f"
    fi
    printf '%s\n' "$made" > "$f.made"
  fi
}
gen gen.log "$LINES"
gen dense.log "$LINES" dense
echo "logs: $LINES lines each, generator $(($(stat -c %s "$work/gen.log") / 1048576)) MiB, dense $(($(stat -c %s "$work/dense.log") / 1048576)) MiB ($work)"
echo "cpus: $(nproc), $(go version | cut -d' ' -f3), load $(cut -d' ' -f1-3 /proc/loadavg)"

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# run TAG CMD... : one run; appends "wall cpu rss" to $work/m.TAG, keeps stdout in $work/out.TAG.
# grep's output must go to a file: GNU grep stops at the first match when it writes to /dev/null.
# Timed by bench/timeit (GNU time's %e %U %S %M to the microsecond, not the
# hundredth of a second: grep's 0.06 s to 10 ms moved the ratios by up to a sixth).
run() {
  local tag=$1; shift
  "$work/timeit" -o "$work/time.$tag" "$@" > "$work/out.$tag" 2> "$work/err.$tag"
  awk '{printf "%.4f %.4f %s\n", $1, $2 + $3, $4}' "$work/time.$tag" >> "$work/m.$tag"
}
stat_of() { # stat_of TAG FIELD(1 wall, 2 cpu, 3 rss KiB) -> median
  awk -v f="$2" '{print $f}' "$work/m.$1" | median
}
# pair_run TOOL LOG: one run of TOOL on LOG, its figures appended to
# m.TOOL.LOG (line i is round i's, for paired).
pair_run() {
  case $1 in
    grep) run "grep.$2" grep -c status= "$work/$2.log" ;;
    pflogsumm) run "pflogsumm.$2" pflogsumm --problems-first "$work/$2.log" ;;
    rblwatch) run "rblwatch.$2" "$work/rblwatch" replay --format json "$work/$2.log" ;;
  esac
}
# paired A B FIELD EXPR: the median over rounds of EXPR of round i's FIELD
# of A (a) and of B (b), e.g. paired grep.gen rblwatch.gen 1 'a / b'.
paired() {
  paste -d' ' "$work/m.$1" "$work/m.$2" | awk -v f="$3" '{a = $f; b = $(f + 3); print '"$4"'}' | median
}

# Each round runs the tools in pairs, next to each other: pflogsumm, grep,
# rblwatch on one log, then rblwatch, grep, pflogsumm on the other; odd
# rounds start with the dense log, even rounds with the generator's. So
# replay's run is within a tenth of a second of grep's on the same log, and
# of its own run on the other log: the per-round ratios and differences
# below compare runs made in the same state of the host, whose speed swings
# by a quarter or more from one minute to the next (see bench/README.md).
rm -f "$work"/m.*
for ((i = 0; i < RUNS; i++)); do
  logs=(gen dense)
  ((i % 2)) && logs=(dense gen)
  for tool in pflogsumm grep rblwatch; do pair_run "$tool" "${logs[0]}"; done
  for tool in rblwatch grep pflogsumm; do pair_run "$tool" "${logs[1]}"; done
done

# per_s N WALL: N per second, "-" when the run was too short for time(1)
# (0.00 s).
per_s() { awk -v n="$1" -v w="$2" 'BEGIN { if (w > 0) printf "%.0f", n / w; else print "-" }'; }
# rw LOG KEY: the first count KEY of the report (grep -m 1, not head: a grep
# cut short by head dies of SIGPIPE, which pipefail makes the script's error).
rw() { grep -Eo -m 1 "\"$2\": [0-9]+" "$work/out.rblwatch.$1" | grep -Eo '[0-9]+$'; }
printf '\n%-8s %-10s %9s %9s %12s %10s\n' log tool "wall s" "cpu s" "lines/s" "peak RSS"
for log in gen dense; do
  for tool in grep pflogsumm rblwatch; do
    w=$(stat_of "$tool.$log" 1); c=$(stat_of "$tool.$log" 2); r=$(stat_of "$tool.$log" 3)
    printf '%-8s %-10s %9.3f %9.3f %12s %6.1f MiB\n' "$log" "$tool" "$w" "$c" "$(per_s "$LINES" "$w")" "$(echo "$r / 1024" | bc -l)"
  done
done

# How dense each log is: its failure lines, their share, and the incidents
# replay found in it.
echo
for log in gen dense; do
  d=$(rw "$log" deferred) b=$(rw "$log" bounced)
  printf '%-8s %d failure lines (%.1f %% of %d: %d deferred, %d bounced), %d incidents\n' "$log" "$((d + b))" \
    "$(echo "($d + $b) * 100 / $LINES" | bc -l)" "$LINES" "$d" "$b" "$(grep -c '^      "provider_name": ' "$work/out.rblwatch.$log" || :)"
done
echo "         (the dense log's failures drawn from $REPLIES)"

fail=0
check() { if eval "$2"; then echo "ok    $1"; else echo "FAIL  $1"; fail=1; fi; }
echo
for log in gen dense; do
  pf=$work/out.pflogsumm.$log
  pf_delivered=$(awk '$2 == "delivered" {print $1; exit}' "$pf")
  pf_deferrals=$(grep -Eo '\( *[0-9]+ +deferrals\)' "$pf" | grep -Eo '[0-9]+' || echo 0)
  pf_bounced=$(awk '$2 == "bounced" {print $1; exit}' "$pf")
  check "$log: totals equal pflogsumm's (delivered $pf_delivered, deferrals $pf_deferrals, bounced $pf_bounced)" \
    "[ \"$(rw $log delivered)\" = \"$pf_delivered\" ] && [ \"$(rw $log deferred)\" = \"$pf_deferrals\" ] && [ \"$(rw $log bounced)\" = \"$pf_bounced\" ]"
done

# A speed ratio is the median of the rounds' ratios of wall (each round's
# runs made side by side); the ratio of the medians of the table above,
# which pairs runs up to minutes apart, is shown beside it.
ratio() { echo "$(stat_of "$1" 1) / $(stat_of "$2" 1)" | bc -l; }
speed() { # speed OTHER LOG TARGET FORMAT: check replay's speed against OTHER on LOG
  local r m
  r=$(paired "$1.$2" "rblwatch.$2" 1 'a / b') m=$(ratio "$1.$2" "rblwatch.$2")
  check "$(printf "%s log: replay is $4x %s (median of %d rounds' ratios; ratio of the medians $4x) (target >= %sx)" \
    "$([ "$2" = gen ] && echo generator || echo "$2")" "$r" "$([ "$1" = grep ] && echo 'grep -c' || echo "$1")" "$RUNS" "$m" "$3")" \
    "[ \$(echo '$r >= $3' | bc) = 1 ]"
}
speed grep gen 0.5 %.2f
speed pflogsumm gen 40 %.1f
speed grep dense 0.33 %.2f
echo "      dense log: replay is $(printf '%.1f' "$(paired pflogsumm.dense rblwatch.dense 1 'a / b')")x pflogsumm"

# CPU per rejection line: what the dense log costs beyond the generator's,
# per extra failure line (both have $LINES lines).
fails() { echo "$(rw "$1" deferred) + $(rw "$1" bounced)" | bc; }
extra=$(echo "$(fails dense) - $(fails gen)" | bc)
ordinary=$(echo "$(stat_of rblwatch.gen 2) * 1000000 / $LINES" | bc -l)
# The median of the rounds' differences (each round's two replays side by
# side); the difference of the medians beside it.
per=$(paired rblwatch.gen rblwatch.dense 2 "(b - a) * 1000000 / $extra")
permed=$(echo "($(stat_of rblwatch.dense 2) - $(stat_of rblwatch.gen 2)) * 1000000 / $extra" | bc -l)
check "$(printf "dense log: %.1f us of CPU per rejection line (median of %d rounds' differences; difference of the medians %.1f us) (%d more failure lines; an ordinary line %.2f us) (target <= 5 us)" "$per" "$RUNS" "$permed" "$extra" "$ordinary")" \
  "[ \$(echo '$per <= 5' | bc) = 1 ]"

# GC share: the runtime's own figure (the last gctrace line's "N%": time
# in GC since the start, of the CPU available).
for log in gen dense; do
  GODEBUG=gctrace=1 "$work/rblwatch" replay --format json "$work/$log.log" > /dev/null 2> "$work/gctrace.$log"
  gcs=$(grep -Eo '^gc [0-9]+ @[0-9.]+s [0-9]+%' "$work/gctrace.$log" | tail -n 1 | grep -Eo '[0-9]+%$' || echo "0%")
  echo "      $log log: GC share $gcs ($(grep -c '^gc ' "$work/gctrace.$log") collections)"
done

# Peak memory at BIG lines, any density.
if [ "$BIG" -gt 0 ]; then
  gen big-gen.log "$BIG"
  gen big-dense.log "$BIG" dense
  for ((i = 0; i < BIG_RUNS; i++)); do
    for log in gen dense; do
      run "big.$log" "$work/rblwatch" replay --format json "$work/big-$log.log"
    done
  done
  for log in gen dense; do
    rss=$(stat_of "big.$log" 3)
    check "$(printf '%d lines, %s log: replay peak RSS %.1f MiB, %.2f s, %.0f lines/s (target <= 64 MiB)' "$BIG" "$log" \
      "$(echo "$rss / 1024" | bc -l)" "$(stat_of "big.$log" 1)" "$(echo "$BIG / $(stat_of "big.$log" 1)" | bc -l)")" "[ $rss -le 65536 ]"
  done
fi
# Peak memory without Postfix's "removed" lines: what the tracker keeps per
# queue id must end anyway (incident.QueueLifetime, incident.MaxQueueIDs).
noremoved() { # noremoved LOG: LOG without its "removed" lines
  [ -s "$work/${1%.log}-noremoved.log" ] || grep -v ': removed$' "$work/$1" > "$work/${1%.log}-noremoved.log"
}
sizes=("$LINES:")
[ "$BIG" -gt 0 ] && sizes+=("$BIG:big-")
for size in "${sizes[@]}"; do
  n=${size%%:*} prefix=${size#*:}
  for log in gen dense; do noremoved "$prefix$log.log"; done
  for ((i = 0; i < BIG_RUNS; i++)); do
    for log in gen dense; do
      run "noremoved.$n.$log" "$work/rblwatch" replay --format json "$work/$prefix$log-noremoved.log"
    done
  done
  for log in gen dense; do
    rss=$(stat_of "noremoved.$n.$log" 3)
    evicted=$(grep -Eo '"evicted_queue_ids": [0-9]+' "$work/out.noremoved.$n.$log" | grep -Eo '[0-9]+$' || echo 0)
    check "$(printf '%d lines without removals, %s log: replay peak RSS %.1f MiB, %.2f s, %d queue ids evicted (target <= 64 MiB)' "$n" "$log" \
      "$(echo "$rss / 1024" | bc -l)" "$(stat_of "noremoved.$n.$log" 1)" "$evicted")" "[ $rss -le 65536 ]"
  done
done
exit $fail
