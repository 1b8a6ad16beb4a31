#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Side-by-side benchmark: qsoketi vs soketi 1.6.1, interleaved A B A B, medians and ratios.
#
#   tests/bench/compare.sh [--qsoketi PATH] [--repeats R] [--out DIR] [--servers "qsoketi soketi"] [-- pusherbench args]
#
#   --qsoketi PATH   qsoketi binary (default: $QSOKETI_BIN, else build/app/qsoketi of this checkout)
#   --pusherbench P  generator binary (default: $PUSHERBENCH, else build/tests/bench/pusherbench)
#   --repeats R      rounds; each round runs every server once, in order (default 3)
#   --servers LIST   which servers, in round order (default "qsoketi soketi"; "soketi" alone works)
#   --out DIR        where per-run logs and JSON go (default: a new mktemp -d directory)
#   --server-cpus L  CPU list the servers may run on (taskset -c; default 1)
#   --workers N      qsoketi's SOKETI_WORKERS (default 1; soketi has one loop whatever this says)
#   -- ARGS          extra pusherbench arguments (e.g. -- --s1-conns 2000 --subs 500)
#
# What it does: installs soketi 1.6.1 (see /work/shared/spec/run-soketi.md) into
# ${XDG_CACHE_HOME:-$HOME/.cache}/qsoketi-bench/soketi (never into the repository), then re-executes
# itself inside a new network namespace that only has loopback (unshare -n), raises the fd limit to
# the hard limit, and for every round starts each server pinned to CPU 1 (taskset -c 1), waits for
# its port, runs pusherbench pinned to CPU 0 (all scenarios, then S4 once more with
# "Connection: close"), and stops the server by PID. Finally it prints the median of every figure per
# server, the ratio qsoketi/soketi and the targets, and writes summary.json next to the run logs.
# Needs: unshare/ip (root or user namespaces), taskset, node + npm (first run only), python3.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
qsoketi=${QSOKETI_BIN:-$here/build/app/qsoketi}
bench=${PUSHERBENCH:-$here/build/tests/bench/pusherbench}
repeats=${BENCH_REPEATS:-3}
servers=${BENCH_SERVERS:-"qsoketi soketi"}
out=${BENCH_OUT:-}
server_cpus=${BENCH_SERVER_CPUS:-1}
workers=${BENCH_WORKERS:-1}
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --qsoketi) qsoketi=$2; shift 2 ;;
        --pusherbench) bench=$2; shift 2 ;;
        --repeats) repeats=$2; shift 2 ;;
        --servers) servers=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --server-cpus) server_cpus=$2; shift 2 ;;
        --workers) workers=$2; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n '3,28p' "$0"; exit 0 ;;
        *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
soketi_dir=${XDG_CACHE_HOME:-$HOME/.cache}/qsoketi-bench/soketi

if [ -z "${QSOKETI_BENCH_IN_NETNS:-}" ]; then
    [ -x "$bench" ] || { echo "compare.sh: build pusherbench first ($bench)" >&2; exit 2; }
    case " $servers " in *" qsoketi "*) [ -x "$qsoketi" ] || { echo "compare.sh: no qsoketi binary at $qsoketi" >&2; exit 2; } ;; esac
    case " $servers " in
        *" soketi "*)
            SOKETI_INSTALL_DIR=$soketi_dir "$here/tests/e2e/netns/install-soketi.sh" >/dev/null
            ;;
    esac
    [ -n "$out" ] || out=$(mktemp -d -t qsoketi-bench.XXXXXX)
    mkdir -p "$out"
    export QSOKETI_BENCH_IN_NETNS=1 QSOKETI_BIN=$qsoketi PUSHERBENCH=$bench BENCH_REPEATS=$repeats \
        BENCH_SERVERS=$servers BENCH_OUT=$out BENCH_SERVER_CPUS=$server_cpus BENCH_WORKERS=$workers
    # Loopback-only namespace: soketi's cluster discovery must not reach any real network.
    # Not root: a user namespace (-r) provides the privilege to create the network namespace.
    ns_flags=-n
    [ "$(id -u)" = 0 ] || ns_flags=-rn
    exec unshare $ns_flags bash -c 'ip link set lo up && exec "$0" "$@"' "$0" -- "${extra[@]}"
fi

# ---- inside the namespace from here on
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "compare.sh: out=$out repeats=$repeats servers=[$servers] fd limit $(ulimit -n)"
echo "server CPUs: $server_cpus (taskset -c), qsoketi workers: $workers, generator CPU: 0"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), kernel $(uname -r)"
ip -o link show | awk -F': ' '{print "netns link:", $2}'
case " $servers " in *" qsoketi "*) echo "qsoketi: $QSOKETI_BIN ($("$QSOKETI_BIN" --version 2>/dev/null | tail -1), commit $(git -C "$(dirname "$QSOKETI_BIN")" rev-parse --short HEAD 2>/dev/null || echo unknown))" ;; esac

common_env=(
    SOKETI_HOST=127.0.0.1
    SOKETI_METRICS_ENABLED=1 SOKETI_METRICS_HOST=127.0.0.1
    SOKETI_DEFAULT_APP_ENABLE_CLIENT_MESSAGES=true
    SOKETI_CLUSTER_UNICAST_ADDRESSES=127.0.0.1
    SOKETI_USER_AUTHENTICATION_TIMEOUT=3600000
)

server_pid=
start_server() { # name port
    local name=$1 port=$2 log=$3
    local env_args=("${common_env[@]}" SOKETI_PORT="$port" SOKETI_METRICS_SERVER_PORT=$((port + 3600)))
    if [ "$name" = qsoketi ]; then
        env "${env_args[@]}" SOKETI_WORKERS="$workers" QT_QPA_PLATFORM=offscreen taskset -c "$server_cpus" \
            "$QSOKETI_BIN" start --no-gui >"$log" 2>&1 &
    else
        (cd "$soketi_dir" && exec env "${env_args[@]}" taskset -c "$server_cpus" node node_modules/@soketi/soketi/bin/server.js start) >"$log" 2>&1 &
    fi
    server_pid=$!
    for _ in $(seq 150); do # up to 30 s
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then sleep 0.5; return 0; fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.2
    done
    echo "compare.sh: $name did not start, see $log" >&2
    return 1
}

stop_server() {
    [ -n "$server_pid" ] || return 0
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 100); do # soketi waits its 3 s grace period; give up to 10 s
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
}
trap stop_server EXIT

port=6001
for round in $(seq "$repeats"); do
    for name in $servers; do
        port=$((port + 1)) # fresh port per run: no TIME_WAIT interplay between runs
        tag="$name-$round"
        echo
        echo "=== round $round/$repeats: $name (port $port), loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
        start_server "$name" "$port" "$out/$tag.server.log" || exit 1
        taskset -c 0 "$PUSHERBENCH" --ws-port "$port" --server-pid "$server_pid" --label "$tag" "$@" \
            | tee "$out/$tag.txt" || echo "compare.sh: pusherbench reported a failure (server died?) in $tag"
        taskset -c 0 "$PUSHERBENCH" --ws-port "$port" --server-pid "$server_pid" --label "$tag-close" \
            --scenario s4 --http-close "$@" | tee "$out/$tag.close.txt" || echo "compare.sh: failure in $tag (close)"
        grep '^{' "$out/$tag.txt" | tail -1 >"$out/$tag.json"
        grep '^{' "$out/$tag.close.txt" | tail -1 >"$out/$tag.close.json"
        echo "server RSS at end: $(grep VmRSS /proc/$server_pid/status 2>/dev/null | awk '{print $2, $3}')"
        stop_server
    done
done

python3 "$(dirname "$0")/summarize.py" "$out" $servers | tee "$out/summary.txt"
echo "compare.sh: results in $out (summary.json, summary.txt, per-run *.txt/*.json)"
