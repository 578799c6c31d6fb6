#!/usr/bin/env bash
# bench/milter.sh — what rblwatch's milter costs Postfix, in messages per second.
#
#   bench/milter.sh [ROUNDS] [MESSAGES] [FLAGS...]   (defaults: 15 rounds, 1000 messages per run)
#
# A private Postfix (internal/postfixtest) relays to smtp-sink; smtp-source
# injects MESSAGES over SMTP in 20 parallel sessions, one message per
# connection. Four modes, taken in turns (the order rotates every round):
#   off   smtpd without milter
#   on    smtpd_milters = rblwatch's milter
#   down  smtpd_milters = a port nobody listens on (milter configured, down)
#   null  smtpd_milters = bench/nullmilter (C, epoll, the same packets as
#         rblwatch's milter and nothing else): what any milter costs
# Prints each run, then per mode the median msgs/s, the ratio to off, the
# injection rate, the CPU per message of rblwatch, of the null milter and
# of Postfix (by daemon: smtpd, cleanup, qmgr, smtp, the others; from a
# cgroup and /proc/PID/schedstat, in ns), of smtp-source and smtp-sink,
# rblwatch's context switches, allocation and garbage collections per
# message, and against off, paired by round, the msgs/s ratio, the ratio
# the CPU per message predicts (T_off/T_mode) and what each mode adds per
# message, process by process.
#
# Without FLAGS it runs four configurations one after the other: the
# milter on TCP (inet:127.0.0.1) and on a unix socket, each with rblwatch
# also following Postfix's log and with the milter alone
# (-follow=false). FLAGS (-unix, -follow=false, -reuse, -modes …) run one
# configuration; see bench/milter/main.go. Needs root, Debian's postfix
# package (smtp-source, smtp-sink) and a C compiler (cc).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (a private Postfix, cgroups)" >&2; exit 2; }
for tool in smtp-source smtp-sink cc; do
  command -v "$tool" >/dev/null ||
    { echo "bench: $tool not installed (apt-get install postfix gcc libc6-dev; see .ci/setup)" >&2; exit 2; }
done
ROUNDS=${1:-15}
N=${2:-1000}
shift $(($# < 2 ? $# : 2))
work=$(mktemp -d /tmp/rblwatch-milterbench-bin.XXXXXX)
trap 'rm -rf "$work"' EXIT
# A signal to this script (Ctrl-C, kill, timeout) is passed on to the
# benchmark, which then stops its Postfix, rblwatch and the null milter and
# removes its directories; the script waits for that before it exits.
child=
trap 'if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; wait "$child"; fi; exit 130' INT TERM

go build -o "$work/rblwatch" ./cmd/rblwatch
go build -o "$work/milterbench" ./bench/milter
cc -O2 -o "$work/nullmilter" bench/nullmilter/nullmilter.c
echo "$(go version | cut -d' ' -f3), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
run() {
	"$work/milterbench" -rblwatch "$work/rblwatch" -null "$work/nullmilter" -rounds "$ROUNDS" -n "$N" -sessions 20 \
		-modes off,on,down,null "$@" &
	child=$!
	wait "$child"
	child=
}
if [ $# -gt 0 ]; then
	run "$@"
	exit
fi
for flags in "" "-unix" "-follow=false" "-follow=false -unix"; do
	echo
	echo "== bench/milter ${flags:-(TCP, following the log)}, $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
	# shellcheck disable=SC2086
	run $flags
done
