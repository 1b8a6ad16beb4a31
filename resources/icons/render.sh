#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Renders the PNG sizes of the application icon from qsoketi.svg (committed, so builds need no SVG tools).
# Needs rsvg-convert: apt-get install librsvg2-bin
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
for size in 16 24 32 48 64 128 256 512; do
    mkdir -p "hicolor/${size}x${size}"
    rsvg-convert -w "$size" -h "$size" qsoketi.svg -o "hicolor/${size}x${size}/qsoketi.png"
done
