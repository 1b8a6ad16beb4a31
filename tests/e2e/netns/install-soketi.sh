#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs soketi 1.6.1, the reference server, with npm into a cache folder outside the repository
# (soketi is AGPL-3.0: it never enters our tree), once; later calls only check it is there.
# uWebSockets.js comes from an npm re-publication with Node 20 binaries (/work/shared/spec/run-soketi.md).
#   tests/e2e/netns/install-soketi.sh            prints the folder (default ${XDG_CACHE_HOME:-$HOME/.cache}/qsoketi-bench/soketi)
# Exit status 0: installed (server.js under <folder>/node_modules/@soketi/soketi/bin); non-zero: could not.
set -euo pipefail
dir=${SOKETI_INSTALL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/qsoketi-bench/soketi}
server=$dir/node_modules/@soketi/soketi/bin/server.js
if [ ! -f "$server" ]; then
    command -v npm >/dev/null || { echo "install-soketi.sh: npm is not installed" >&2; exit 1; }
    echo "install-soketi.sh: installing soketi 1.6.1 into $dir (npm registry, ~40 s)" >&2
    mkdir -p "$dir"
    cat >"$dir/package.json" <<'JSON'
{
  "private": true,
  "dependencies": { "@soketi/soketi": "1.6.1" },
  "overrides": { "uWebSockets.js": "npm:@trufflesuite/uws-js-unofficial@20.30.0-unofficial.0" }
}
JSON
    (cd "$dir" && timeout 300 npm install --no-audit --no-fund --loglevel=error >/dev/null) || {
        echo "install-soketi.sh: npm install failed (no registry access?)" >&2
        exit 1
    }
    [ -f "$server" ] || { echo "install-soketi.sh: npm finished but $server is missing" >&2; exit 1; }
fi
echo "$dir"
