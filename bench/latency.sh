#!/usr/bin/env bash
# bench/latency.sh — how long `rblwatch run` takes from a Postfix log line
# being written to the notice about it being accepted over SMTP.
#
#   bench/latency.sh [INCIDENTS] [INTERVAL]   (defaults: 200 incidents, one line every 50ms)
#
# Runs the real binary on a log file it appends to (notify.aggregate 0s),
# with a go-smtp capture server and an instant DNS resolver on loopback;
# every line is a new incident (its own listed IP, six providers' real
# reply texts). INTERVAL 0 writes every line at once (a burst). Prints
# p50/p99/max and exits 1 when p99 is above 1 s, or a notice is missing or
# came twice. See bench/latency/main.go.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200}
INTERVAL=${2:-50ms}
work=$(mktemp -d /tmp/rblwatch-latency.XXXXXX)
trap 'rm -rf "$work"' EXIT

go build -o "$work/rblwatch" ./cmd/rblwatch
go build -o "$work/latency" ./bench/latency
echo "cpus: $(nproc), $(go version | cut -d' ' -f3), $N incidents, interval $INTERVAL"
"$work/latency" -rblwatch "$work/rblwatch" -n "$N" -interval "$INTERVAL" -goal 1s
