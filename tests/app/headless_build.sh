#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds qsoketi with the dashboard switched off (-DQSOKETI_BUILD_GUI=OFF, warnings as errors) and checks
# that the binary links no Qt Gui/Widgets/Charts and still starts and stops as the same server.
set -euo pipefail
src=$1
out=$2
cmake -S "$src" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQSOKETI_BUILD_GUI=OFF \
    -DQSOKETI_BUILD_TESTS=OFF -DQSOKETI_WERROR=ON >/dev/null
cmake --build "$out" --target qsoketi --parallel "$(nproc)"
if ldd "$out/app/qsoketi" | grep -E 'libQt6(Gui|Widgets|Charts)'; then
    echo "FAIL: the GUI-less build links Qt Gui/Widgets/Charts" >&2
    exit 1
fi
"$out/app/qsoketi" --version | grep -q '^qsoketi '
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
SOKETI_HOST=127.0.0.1 SOKETI_PORT=$port SOKETI_METRICS_HOST=127.0.0.1 SOKETI_METRICS_SERVER_PORT=$mport \
    SOKETI_SHUTDOWN_GRACE_PERIOD=100 "$out/app/qsoketi" start >"$log" 2>&1 &
pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
test "$(curl -sf "http://127.0.0.1:$port/")" = OK
kill -TERM $pid
wait $pid
echo "headless build: no GUI libraries linked, server answered and exited 0 on SIGTERM"
rm -f "$log"
