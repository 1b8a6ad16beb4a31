#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs one `node --test` file against soketi 1.6.1 inside a fresh network namespace that has only
# loopback (`unshare -n`): soketi's cluster discovery sends UDP broadcasts at every start, which must
# never leave this machine (/work/shared/spec/run-soketi.md). Everything the test starts (redis-server,
# soketi, qsoketi) and the test's clients live in that namespace.
#   run-in-netns.sh <node> <file.mjs>
# Exit 77 (CTest SKIP_RETURN_CODE) with the reason when it cannot run here: no redis-server, no `ip`,
# no permission for `unshare -n`, or soketi cannot be installed (no npm registry).
set -uo pipefail
node=$1
file=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
skip() {
    echo "SKIP: $*"
    exit 77
}
command -v redis-server >/dev/null || skip "redis-server is not installed (Debian: redis-server)"
command -v ip >/dev/null || skip "ip is not installed (Debian: iproute2)"
command -v unshare >/dev/null || skip "unshare is not installed (Debian: util-linux)"
unshare -n true 2>/dev/null || skip "unshare -n is not permitted here (needs root or unprivileged user namespaces)"
soketi_dir=$("$here/install-soketi.sh") || skip "soketi 1.6.1 could not be installed with npm (no registry access?)"
export REFERENCE_SOKETI_DIR=$soketi_dir
exec unshare -n sh -c 'ip link set lo up && exec "$0" --test --test-reporter=spec "$1"' "$node" "$file"
