#!/usr/bin/env bash
# bench/replay.sh — throughput and memory of `rblwatch replay` against pflogsumm
# and `grep -c` on the same realistic 1,000,000-line Postfix log, in one run.
#
#   bench/replay.sh [LINES] [RUNS]        (defaults: 1000000 lines, 5 runs; medians reported)
#
# Prints lines/s and peak RSS per tool, checks that rblwatch's totals equal
# pflogsumm's delivered / deferrals / bounced, and checks the targets:
# replay >= 10x pflogsumm, >= 0.25x grep -c, peak RSS <= 64 MiB.
# Needs: go, pflogsumm, GNU time (/usr/bin/time), bc. Exit 1 when a check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
RUNS=${2:-5}
work=${BENCH_DIR:-$(mktemp -d /tmp/rblwatch-bench.XXXXXX)}
trap '[ -z "${BENCH_DIR:-}" ] && rm -rf "$work"' EXIT

for tool in pflogsumm /usr/bin/time bc; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not installed (apt-get install pflogsumm time bc)" >&2; exit 2; }
done

log=$work/maillog
go run ./bench/genlog -n "$LINES" -seed 1 -o "$log"
go build -o "$work/rblwatch" ./cmd/rblwatch
n=$(wc -l < "$log")
bytes=$(stat -c %s "$log")
echo "log: $n lines, $((bytes / 1048576)) MiB ($log)"
echo "cpus: $(nproc), $(go version | cut -d' ' -f3)"
cat "$log" > /dev/null # warm the page cache

# measure NAME CMD... : runs CMD $RUNS times; sets WALL (median seconds) and RSS (median KiB).
measure() {
  local name=$1; shift
  local walls=() rsss=() i t0 t1
  for ((i = 0; i < RUNS; i++)); do
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%M' -o "$work/time.$name" "$@" > "$work/out.$name" 2> "$work/err.$name"
    t1=$EPOCHREALTIME
    walls+=("$(echo "$t1 - $t0" | bc -l)")
    rsss+=("$(tail -n 1 "$work/time.$name")")
  done
  WALL=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  RSS=$(printf '%s\n' "${rsss[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
}

declare -A WALLS RSSES
for spec in "grep:grep -c status= $log" \
            "pflogsumm:pflogsumm --problems-first $log" \
            "rblwatch:$work/rblwatch replay --format json $log"; do
  name=${spec%%:*}
  # shellcheck disable=SC2086
  measure "$name" ${spec#*:}
  WALLS[$name]=$WALL
  RSSES[$name]=$RSS
done

printf '\n%-10s %10s %14s %12s\n' tool "wall s" "lines/s" "peak RSS"
for name in grep pflogsumm rblwatch; do
  rate=$(echo "$n / ${WALLS[$name]}" | bc -l)
  printf '%-10s %10.3f %14.0f %9.1f MiB\n' "$name" "${WALLS[$name]}" "$rate" "$(echo "${RSSES[$name]} / 1024" | bc -l)"
done

# Totals: rblwatch's JSON against pflogsumm's grand totals.
pf=$work/out.pflogsumm
pf_delivered=$(awk '$2 == "delivered" {print $1; exit}' "$pf")
pf_deferrals=$(grep -Eo '\( *[0-9]+ +deferrals\)' "$pf" | grep -Eo '[0-9]+' || echo 0)
pf_bounced=$(awk '$2 == "bounced" {print $1; exit}' "$pf")
rw() { grep -Eo "\"$1\": [0-9]+" "$work/out.rblwatch" | head -n 1 | grep -Eo '[0-9]+$'; }
echo
printf '%-10s %10s %10s %10s\n' "" delivered deferrals bounced
printf '%-10s %10s %10s %10s\n' pflogsumm "$pf_delivered" "$pf_deferrals" "$pf_bounced"
printf '%-10s %10s %10s %10s\n' rblwatch "$(rw delivered)" "$(rw deferred)" "$(rw bounced)"

fail=0
check() { if eval "$2"; then echo "ok    $1"; else echo "FAIL  $1"; fail=1; fi; }
echo
check "totals equal pflogsumm's" '[ "$(rw delivered)" = "$pf_delivered" ] && [ "$(rw deferred)" = "$pf_deferrals" ] && [ "$(rw bounced)" = "$pf_bounced" ]'
ratio_pf=$(echo "${WALLS[pflogsumm]} / ${WALLS[rblwatch]}" | bc -l)
ratio_grep=$(echo "${WALLS[grep]} / ${WALLS[rblwatch]}" | bc -l)
check "$(printf 'replay is %.1fx pflogsumm (target >= 10x)' "$ratio_pf")" "[ \$(echo '$ratio_pf >= 10' | bc) = 1 ]"
check "$(printf 'replay is %.2fx grep -c (target >= 0.25x)' "$ratio_grep")" "[ \$(echo '$ratio_grep >= 0.25' | bc) = 1 ]"
check "$(printf 'replay peak RSS %.1f MiB (target <= 64 MiB)' "$(echo "${RSSES[rblwatch]} / 1024" | bc -l)")" "[ ${RSSES[rblwatch]} -le 65536 ]"
exit $fail
