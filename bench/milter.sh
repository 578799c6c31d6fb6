#!/usr/bin/env bash
# bench/milter.sh — what rblwatch's milter costs Postfix, in messages per second.
#
#   bench/milter.sh [ROUNDS] [MESSAGES]     (defaults: 7 rounds, 2000 messages per run)
#
# A private Postfix (internal/postfixtest) relays to smtp-sink; smtp-source
# injects MESSAGES over SMTP in 20 parallel sessions, one message per
# connection. Three modes, taken in turns (the order rotates every round):
#   off   smtpd without milter
#   on    smtpd_milters = rblwatch's milter
#   down  smtpd_milters = a port nobody listens on (milter configured, down)
# "rblwatch run" follows the log in every mode. Prints each run, then per
# mode the median msgs/s, the ratio to off, the injection rate and
# rblwatch's CPU per message (/proc). Needs root and Debian's postfix
# package (smtp-source, smtp-sink). See bench/milter/main.go.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-7}
N=${2:-2000}
work=$(mktemp -d /tmp/rblwatch-milterbench-bin.XXXXXX)
trap 'rm -rf "$work"' EXIT

go build -o "$work/rblwatch" ./cmd/rblwatch
go build -o "$work/milterbench" ./bench/milter
echo "$(go version | cut -d' ' -f3), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$work/milterbench" -rblwatch "$work/rblwatch" -rounds "$ROUNDS" -n "$N" -sessions 20
