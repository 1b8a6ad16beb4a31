#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs the command in a new network namespace that has only `lo` (up) where unprivileged user namespaces
# allow it, else as is: the dashboard screenshot starts soketi 1.6.1 as a cluster node only in such a
# namespace (its cluster discovery broadcasts UDP off the loopback otherwise).
if unshare -rn true 2>/dev/null; then
    exec unshare -rn sh -c 'ip link set lo up && exec "$@"' sh "$@"
fi
exec "$@"
