// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

namespace qsoketi {

// Process and machine memory figures from /proc, for /usage and /accept-traffic.
struct MemoryUsage
{
    quint64 residentBytes = 0; // this process's RSS
    quint64 totalBytes = 0; // physical memory of the machine (MemTotal)
    quint64 availableBytes = 0;

    static MemoryUsage read();
    double percent() const { return totalBytes ? 100.0 * double(residentBytes) / double(totalBytes) : 0.0; }
};

} // namespace qsoketi
