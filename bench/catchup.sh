#!/usr/bin/env bash
# bench/catchup.sh — `rblwatch run` catching up with lines appended to its log.
#
#   bench/catchup.sh [LINES] [RUNS]       defaults: 1000000 lines, 3 runs
#   RBLWATCH=path/to/rblwatch bench/catchup.sh …   measures that binary
#   RBLWATCH="old new" bench/catchup.sh …   RUNS runs of each, in turn
#     (old, new, old, new, …), a median for each: before/after on a shared
#     machine
#   DENSE=1: the dense log of bench/replay.sh (4 % failure lines drawn from
#     REPLIES, default ../shared/corpus/rejections.tsv) instead of the
#     generator's; STATE=0: the timed runs only, not the day's state;
#   BENCH_DIR to keep the log (made again when LINES, DENSE or REPLIES
#     differ from what it was made of) and the runs' states
#
# Each run starts the daemon on an empty log with a new state (it follows
# from the end), appends the generator's LINES lines at once, and waits
# until the position of the last line is committed. It reports the median
# rate (lines/s, target >= 500,000), the daemon's CPU for the catch-up, and
# the daemon's peak RSS, and what the state holds after one day of log (the
# generator's log spans about a day whatever LINES is; one more run, not
# timed, with the retention off): bytes per message delivered at the first attempt,
# per message that met trouble, and of incidents, and the size the retention
# defaults keep (delivered_retention 2d, message_retention 14d, retention 90d
# for incidents; what an incident carries for a restart, incident_counted,
# 5 days after its last rejection, as Prune keeps it), against the target
# of 1 GB for 90 days of a 1 M-line/day host. The day's bytes are scaled
# to a million lines: take LINES = 1 M for that figure (the log spans a day at any LINES, with about the same
# incidents, so below it their evidence is scaled up too far: 100,000
# lines gave 982 MiB where 1 M gives 663). Needs: go, sqlite3, bc. Exit 1 when a check fails. A relative
# REPLIES, BENCH_DIR or RBLWATCH is taken from the directory the script is
# run in.
set -euo pipefail
# abs PATH: PATH from the directory the script was run in.
here=$PWD
abs() { case $1 in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$here" "$1" ;; esac; }
[ -n "${REPLIES:-}" ] && REPLIES=$(abs "$REPLIES")
[ -n "${BENCH_DIR:-}" ] && BENCH_DIR=$(abs "$BENCH_DIR")
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
RUNS=${2:-3}
work=${BENCH_DIR:-$(mktemp -d /tmp/rblwatch-catchup.XXXXXX)}
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -z "${BENCH_DIR:-}" ] && rm -rf "$work"' EXIT
for tool in sqlite3 bc; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not installed" >&2; exit 2; }
done

# RBLWATCH: binaries to measure instead of this tree's (before/after runs).
bins=()
if [ -n "${RBLWATCH:-}" ]; then
  i=0
  for b in $RBLWATCH; do cp "$(abs "$b")" "$work/rblwatch$i" && bins+=("$work/rblwatch$i") && i=$((i + 1)); done
else
  go build -o "$work/rblwatch0" ./cmd/rblwatch && bins=("$work/rblwatch0")
fi
# The log, made unless a BENCH_DIR holds one made the same way: src.log.made
# says how (genlog's arguments, and the replies' checksum), so a kept log of
# other LINES, DENSE or REPLIES is made again.
args=(-n "$LINES" -seed 1)
made=${args[*]}
if [ "${DENSE:-0}" = 1 ]; then
  REPLIES=${REPLIES:-../shared/corpus/rejections.tsv}
  [ -f "$REPLIES" ] && [ -r "$REPLIES" ] || { echo "bench: no replies file $REPLIES (set REPLIES to a TSV of provider<TAB>code<TAB>text rows)" >&2; exit 2; }
  args+=(-fail 0.13 -replies "$REPLIES")
  made+=" -fail 0.13 replies $(sha256sum < "$REPLIES" | cut -d" " -f1)"
fi
if [ ! -s "$work/src.log" ] || [ "$(cat "$work/src.log.made" 2>/dev/null)" != "$made" ]; then
  rm -f "$work/src.log.made"
  go run ./bench/genlog "${args[@]}" -o "$work/src.log"
  printf '%s\n' "$made" > "$work/src.log.made"
fi
size=$(stat -L -c %s "$work/src.log")
fails=$(grep -cE ', status=(deferred|bounced) ' "$work/src.log" || :)
echo "log: $LINES lines, $((size / 1048576)) MiB, $fails failure lines ($(printf '%.1f' "$(echo "$fails * 100 / $LINES" | bc -l)") %)$([ "${DENSE:-0}" = 1 ] && echo ", drawn from $REPLIES"); cpus: $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg)"

exec {nap}<> <(:) # read -t on it waits without a process (the poll below)

cpu_of() { awk '{print ($14 + $15) / 100}' "/proc/$1/stat"; } # user+sys seconds (USER_HZ 100)

# run BINARY DIR [STATE-KEYS]: one catch-up into a new state in DIR; sets
# rate, time, cpu (the daemon's, for the catch-up) and rss (its peak, VmHWM,
# KiB).
run() {
  local bin=$1 d=$2 keys=${3:-}
  rm -rf "$d" && mkdir -p "$d"
  : > "$d/mail.log"
  printf 'log: {path: %s, timezone: UTC, backfill: 0s}\nstate: {path: %s%s}\ndnsbl: {interval: 0s}\n' \
    "$d/mail.log" "$d/state.db" "$keys" > "$d/config.yaml"
  "$bin" run --config "$d/config.yaml" 2> "$d/daemon.log" &
  pid=$!
  for ((j = 0; j < 200; j++)); do
    grep -q '"following from the end"\|following from the end' "$d/daemon.log" 2>/dev/null && break
    sleep 0.05
  done
  sleep 0.5
  local c0 t0 t1 c1 off=0
  # The committed position is polled every 20 ms by one sqlite3 process
  # that stays open, and the wait between polls is bash's own (read -t on
  # a descriptor nobody writes): a sqlite3 and a sleep started for every
  # poll cost about 4.6 ms of CPU each, some 0.4 s of a 2.3 s catch-up
  # taken from the two cores the daemon runs on.
  coproc POLL { exec sqlite3 -cmd '.timeout 2000' "file:$d/state.db?mode=ro" 2>/dev/null; }
  c0=$(cpu_of "$pid")
  t0=$EPOCHREALTIME
  cat "$work/src.log" >> "$d/mail.log"
  while :; do
    echo 'SELECT coalesce(max(byte_offset), 0) FROM positions;' >&"${POLL[1]}"
    read -r -t 5 off <&"${POLL[0]}" || off=0
    [ "$off" = "$size" ] && break
    kill -0 "$pid" 2>/dev/null || { echo "bench: the daemon ended:"; tail -n 20 "$d/daemon.log"; exit 1; }
    read -r -t 0.02 -u "$nap" || :
  done
  t1=$EPOCHREALTIME
  c1=$(cpu_of "$pid")
  exec {POLL[1]}>&-
  wait "$POLL_PID" 2>/dev/null || :
  rss=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
  kill "$pid" && wait "$pid" || true
  pid=
  rate=$(echo "$LINES / ($t1 - $t0)" | bc -l)
  cpu=$(echo "$c1 - $c0" | bc -l)
  time=$(echo "$t1 - $t0" | bc -l)
}

# The timed runs keep the retention defaults, as a host does (the log's
# lines are two weeks old: the prune deletes most of what the catch-up
# wrote, once the daemon has caught up).
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Each binary's rates, daemon CPU and peak RSS, a run in turn.
declare -A res
for ((i = 0; i < RUNS; i++)); do
  for ((k = 0; k < ${#bins[@]}; k++)); do
    run "${bins[k]}" "$work/run$i"
    printf '%srun %d: %.2f s, %.0f lines/s, daemon CPU %.2f s (%.2f us a line), peak RSS %.0f MiB\n' \
      "$([ ${#bins[@]} -gt 1 ] && echo "binary $k ")" "$i" "$time" "$rate" "$cpu" \
      "$(echo "$cpu * 1000000 / $LINES" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
    res[$k.rate]+=" $rate" res[$k.cpu]+=" $cpu" res[$k.rss]+=" $rss"
  done
done
for ((k = 0; k < ${#bins[@]}; k++)); do
  # shellcheck disable=SC2086 # the lists are numbers split on spaces
  mrate[k]=$(median ${res[$k.rate]}) mcpu[k]=$(median ${res[$k.cpu]}) mrss[k]=$(median ${res[$k.rss]})
done
echo "load after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"

fail=0
check() { if eval "$2"; then echo "ok    $1"; else echo "FAIL  $1"; fail=1; fi; }
# check_rates checks each binary's median catch-up rate against the target.
check_rates() {
  for ((k = 0; k < ${#bins[@]}; k++)); do
    check "$(printf '%scatch-up %.0f lines/s (median of %d; daemon CPU %.2f s for %d lines; peak RSS %.0f MiB) (target >= 500000)' \
      "$([ ${#bins[@]} -gt 1 ] && echo "binary $k: ")" "${mrate[k]}" "$RUNS" "${mcpu[k]}" "$LINES" "$(echo "${mrss[k]} / 1024" | bc -l)")" \
      "[ \$(echo '${mrate[k]} >= 500000' | bc) = 1 ]"
  done
}
if [ "${STATE:-1}" = 0 ]; then
  echo
  check_rates
  exit $fail
fi

# What a day of log costs the store: one more run, not timed, that keeps
# everything (retention 0), checkpointed.
run "${bins[-1]}" "$work/keep" ", retention: 0s, message_retention: 0s, delivered_retention: 0s"
db=$work/keep/state.db
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
read -r total clean trouble cleanb troubleb incb countedb < <(sqlite3 -separator ' ' "$db" "
WITH clean AS (SELECT id FROM messages m WHERE state = 'delivered'
                 AND NOT EXISTS (SELECT 1 FROM recipients r WHERE r.message = m.id AND r.attempts > 1)),
     pages AS (SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name),
     msgb AS (SELECT (SELECT sum(bytes) FROM pages WHERE name = 'messages' OR name LIKE 'messages\_%' ESCAPE '\'
                OR name IN ('recipients', 'sqlite_autoindex_recipients_1')) AS b),
     size AS (SELECT m.id, length(m.queue_id) + length(coalesce(m.sender, '')) + length(m.message_id) + length(m.origin)
                + length(m.client) + length(m.client_ip) + length(m.sasl_user) + length(m.rcpts) + 200 AS n FROM messages m),
     rows AS (SELECT
       (SELECT count(*) FROM clean) AS nclean,
       (SELECT count(*) FROM messages) - (SELECT count(*) FROM clean) AS ntrouble,
       (SELECT sum(n) FROM size WHERE id IN (SELECT id FROM clean)) AS rclean,
       (SELECT sum(n) FROM size WHERE id NOT IN (SELECT id FROM clean)) AS rtrouble)
SELECT (SELECT page_count * page_size FROM pragma_page_count, pragma_page_size),
       nclean, ntrouble,
       (SELECT b FROM msgb) * rclean / (rclean + rtrouble),
       (SELECT b FROM msgb) * rtrouble / (rclean + rtrouble),
       (SELECT sum(bytes) FROM pages WHERE name LIKE '%incident%' AND name NOT LIKE '%incident\_counted%' ESCAPE '\'),
       (SELECT coalesce(sum(bytes), 0) FROM pages WHERE name LIKE '%incident\_counted%' ESCAPE '\')
FROM rows")
per_clean=$(echo "$cleanb / $clean" | bc -l)
per_trouble=$(echo "$troubleb / $trouble" | bc -l)
# A day of this log is about LINES lines; scale to a 1 M-line day.
scale=$(echo "1000000 / $LINES" | bc -l)
day_clean=$(echo "$cleanb * $scale" | bc -l)
day_trouble=$(echo "$troubleb * $scale" | bc -l)
day_inc=$(echo "$incb * $scale" | bc -l)
# What an incident carries for a restart (incident_counted) is pruned 5
# days (incident.QueueLifetime) after its last rejection, whatever the
# retention: a day of it is kept 5 days, not 90.
day_counted=$(echo "$countedb * $scale" | bc -l)
kept=$(echo "2 * $day_clean + 14 * $day_trouble + 90 * $day_inc + 5 * $day_counted" | bc -l)
all90=$(echo "90 * ($day_clean + $day_trouble + $day_inc) + 5 * $day_counted" | bc -l)
mib() { printf '%.0f MiB' "$(echo "$1 / 1048576" | bc -l)"; }
echo
echo "state after the day: $(mib "$total") in all; $clean messages delivered at once ($(printf '%.0f' "$per_clean") bytes each, rows and indexes),"
echo "  $trouble that met trouble ($(printf '%.0f' "$per_trouble") bytes each), incidents $(mib "$incb")"
echo "  a 1 M-line day: $(mib "$day_clean") delivered at once, $(mib "$day_trouble") troubled, $(mib "$day_inc") incidents, $(mib "$day_counted") carried for a restart"
echo "  kept with the defaults (2 d, 14 d, 90 d; what is carried for a restart 5 d): $(mib "$kept"); everything for 90 days would be $(mib "$all90")"

echo
check_rates
check "$(printf 'state for 90 days of a 1 M-line/day host with the default retention: %s (target <= 1 GB)' "$(mib "$kept")")" \
  "[ \$(echo '$kept <= 1073741824' | bc) = 1 ]"
exit $fail
