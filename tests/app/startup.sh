#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# startup.sh QSOKETI_BINARY (a build with the dashboard)
# The first minute of a new user: --help, the start-up banner (URLs, mode, config sources), and the
# display decision: a stale DISPLAY (set, but no X server behind it) runs headless with one warning line
# instead of Qt's abort (exit 134); a real X server (Xvfb) opens the window.
set -euo pipefail
binary=$(realpath "$1")
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$work/log" ] && cat "$work/log" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
expect_line() { grep -qF -- "$1" "$work/log" || fail "missing in the log: $1"; }

# start_server ENV... : runs the binary in $work/cwd with a clean environment, waits for GET / on $port.
start_server() {
    env -i PATH=/usr/bin:/bin HOME="$work" LC_ALL=C.UTF-8 SOKETI_SHUTDOWN_GRACE_PERIOD=100 "$@" \
        "$binary" start "${extra_args[@]}" >"$work/log" 2>&1 &
    server=$!
    pids+=("$server")
    for _ in $(seq 100); do
        curl -sf "http://${url_host}:$port/" >/dev/null 2>&1 && return 0
        kill -0 "$server" 2>/dev/null || { wait "$server" || rc=$?; fail "the server exited with ${rc:-0}"; }
        sleep 0.1
    done
    fail "no answer on $url_host:$port"
}
stop_server() {
    kill -TERM "$server"
    local rc=0
    wait "$server" || rc=$?
    [ "$rc" = 0 ] || fail "exit status $rc after SIGTERM"
}

# --- --help lists the ten most used variables; an unknown option is a usage error (2)
"$binary" --help >"$work/help"
for variable in SOKETI_PORT SOKETI_HOST SOKETI_DEFAULT_APP_ID SOKETI_DEFAULT_APP_KEY SOKETI_DEFAULT_APP_SECRET \
    SOKETI_METRICS_ENABLED SOKETI_METRICS_SERVER_PORT SOKETI_DEBUG SOKETI_DEFAULT_APP_ENABLE_CLIENT_MESSAGES \
    SOKETI_ADAPTER_DRIVER; do
    grep -q "^  $variable=" "$work/help" || fail "--help does not list $variable"
done
grep -q 'man qsoketi' "$work/help" || fail "--help does not point at the man page"
rc=0
"$binary" --no-such-option >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "an unknown option exited $rc, expected 2"
echo "--help: the ten most used variables listed; unknown option: exit 2"

# --- stale DISPLAY: a display number nobody serves
display=90
while [ -e "/tmp/.X11-unix/X$display" ]; do display=$((display + 1)); done
mkdir -p "$work/cwd"
cd "$work/cwd"
port=$(free_port)
url_host=127.0.0.1
extra_args=()
start_server DISPLAY=":$display" SOKETI_HOST=127.0.0.1 SOKETI_PORT="$port" SOKETI_METRICS_HOST=127.0.0.1 \
    SOKETI_METRICS_SERVER_PORT="$(free_port)"
expect_line "no display found (no X server answers on DISPLAY=:$display): running headless, as with --no-gui"
expect_line "is running (headless)"
expect_line "  WebSocket  ws://127.0.0.1:$port/app/app-key"
expect_line "  HTTP API   http://127.0.0.1:$port"
expect_line "  Metrics    metrics disabled — set SOKETI_METRICS_ENABLED=1"
expect_line "  Config     built-in defaults + environment (SOKETI_HOST, SOKETI_METRICS_HOST,"
stop_server
echo "stale DISPLAY=:$display: one warning line, headless, exit 0 on SIGTERM (no abort)"

# --- IPv6 in brackets, metrics URL, .env and --config named as sources
port=$(free_port)
mport=$(free_port)
printf 'SOKETI_DEFAULT_APP_KEY=env-key\nAPP_NAME=laravel\n' >"$work/cwd/.env"
printf '{"metrics.enabled": true}\n' >"$work/config.json"
url_host='[::1]'
extra_args=(--no-gui --config "$work/config.json")
start_server SOKETI_HOST=::1 SOKETI_PORT="$port" SOKETI_METRICS_HOST=127.0.0.1 SOKETI_METRICS_SERVER_PORT="$mport"
expect_line "is running (headless)"
expect_line "  WebSocket  ws://[::1]:$port/app/env-key"
expect_line "  HTTP API   http://[::1]:$port"
expect_line "  Metrics    http://127.0.0.1:$mport/metrics"
expect_line "  Config     built-in defaults + --config $work/config.json + .env $work/cwd/.env (SOKETI_DEFAULT_APP_KEY) + environment ("
metrics=$(curl -sf "http://127.0.0.1:$mport/metrics") || fail "the metrics URL of the banner does not answer"
grep -q '^soketi_connected' <<<"$metrics" || fail "the metrics URL of the banner serves no soketi_connected"
stop_server
rm -f "$work/cwd/.env"
echo "banner: [::1] URLs, metrics URL answers, --config and .env named"

# --- 0.0.0.0 is shown as 127.0.0.1 (inside a loopback-only network namespace, so nothing else sees it)
if unshare -n true 2>/dev/null && command -v ip >/dev/null; then
    port=$(free_port)
    out=$(unshare -n bash -c "ip link set lo up; env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 SOKETI_PORT=$port \
        SOKETI_METRICS_SERVER_PORT=$(free_port) SOKETI_SHUTDOWN_GRACE_PERIOD=100 '$binary' start --no-gui 2>&1 & pid=\$!; \
        for _ in \$(seq 100); do curl -sf http://127.0.0.1:$port/ >/dev/null && break; sleep 0.1; done; \
        kill -TERM \$pid; wait \$pid")
    grep -qF "  WebSocket  ws://127.0.0.1:$port/app/app-key" <<<"$out" || { echo "$out"; fail "0.0.0.0 not shown as 127.0.0.1"; }
    echo "banner: 0.0.0.0 shown as 127.0.0.1"
else
    echo "skipped the 0.0.0.0 banner check (no network namespace here)"
fi

# --- a real X server: the window opens
if command -v xvfb-run >/dev/null; then
    port=$(free_port)
    url_host=127.0.0.1
    extra_args=()
    cat >"$work/run-x.sh" <<EOF
#!/bin/sh
echo \$\$ >"$work/x-server.pid"
exec env -u QT_QPA_PLATFORM -u WAYLAND_DISPLAY LC_ALL=C.UTF-8 XDG_RUNTIME_DIR=$work SOKETI_HOST=127.0.0.1 \
    SOKETI_PORT=$port SOKETI_METRICS_HOST=127.0.0.1 SOKETI_METRICS_SERVER_PORT=$(free_port) \
    SOKETI_SHUTDOWN_GRACE_PERIOD=100 "$binary" start
EOF
    chmod +x "$work/run-x.sh"
    xvfb-run -a -s "-screen 0 1280x800x24" "$work/run-x.sh" >"$work/log" 2>&1 &
    server=$!
    pids+=("$server")
    for _ in $(seq 150); do curl -sf "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
    expect_line "is running (window)"
    grep -q "no display found" "$work/log" && fail "a working Xvfb display was refused"
    kill -TERM "$(cat "$work/x-server.pid")" # the server itself (run-x.sh execs it); xvfb-run then exits
    wait "$server" || fail "the windowed server did not exit 0 on SIGTERM"
    echo "Xvfb: the window opens"
fi
