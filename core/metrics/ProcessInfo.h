// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <optional>

#include <QtGlobal>

namespace qsoketi {

// Readings about this process and the machine, taken from /proc and libc at call time. Shared by the
// process_* metrics, GET /usage and (for the lead) /accept-traffic, so all three agree on what "memory
// used" means. Every field that could not be read is left empty rather than reported as 0.
class ProcessInfo
{
public:
    struct CpuTimes
    {
        double userSeconds = 0;
        double systemSeconds = 0;
    };

    // getrusage(RUSAGE_SELF): microsecond resolution, unlike the 10 ms clock ticks of /proc/self/stat.
    static CpuTimes cpuTimes();
    // VmRSS / VmSize of /proc/self/status, in bytes.
    static std::optional<qint64> residentMemoryBytes();
    static std::optional<qint64> virtualMemoryBytes();
    // Bytes the C allocator holds from the system (mallinfo2 arena + hblkhd: sbrk arenas of all threads
    // plus mmapped chunks). prom-client reported VmData here, which also counts thread stacks and any
    // anonymous mapping; the allocator figure is what actually grows with connections.
    static std::optional<qint64> heapBytes();
    // Entries of /proc/self/fd (not counting the descriptor used to list them).
    static std::optional<qint64> openFds();
    // Soft RLIMIT_NOFILE, the limit accept() runs into (same number as "Max open files" in /proc/self/limits).
    static std::optional<qint64> maxFds();
    // Process start in seconds since the epoch: /proc/self/stat starttime + btime of /proc/stat.
    static std::optional<double> startTimeSeconds();
    // MemTotal of /proc/meminfo, in bytes: the machine's physical memory (not a cgroup limit).
    static std::optional<qint64> physicalMemoryBytes();
};

} // namespace qsoketi
