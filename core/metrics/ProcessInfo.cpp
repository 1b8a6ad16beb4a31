// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/ProcessInfo.h"

#include <cstdlib>

#include <QByteArray>
#include <QFile>

#include <dirent.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

// Under AddressSanitizer malloc is the sanitizer's allocator, so glibc's mallinfo2 sees almost nothing.
#if defined(__SANITIZE_ADDRESS__)
#define QSOKETI_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QSOKETI_ASAN 1
#endif
#endif
#ifdef QSOKETI_ASAN
#include <sanitizer/allocator_interface.h>
#endif

namespace qsoketi {

namespace {

// /proc files report size 0, so QFile::readAll() (which reads until EOF) is the reliable way to read them.
QByteArray readProcFile(const char *path)
{
    QFile file(QString::fromLatin1(path));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

// The number of a "Key:   123 kB" line of /proc/self/status or /proc/meminfo, in bytes.
std::optional<qint64> kilobyteField(const QByteArray &text, const QByteArray &key)
{
    for (const QByteArray &line : text.split('\n')) {
        if (!line.startsWith(key) || line.size() <= key.size() || line.at(key.size()) != ':')
            continue;
        const QList<QByteArray> parts = line.mid(key.size() + 1).simplified().split(' ');
        bool ok = false;
        const qint64 value = parts.value(0).toLongLong(&ok);
        if (!ok)
            return std::nullopt;
        const bool inKb = parts.value(1) == "kB";
        return inKb ? value * 1024 : value;
    }
    return std::nullopt;
}

double timevalSeconds(const timeval &tv)
{
    return double(tv.tv_sec) + double(tv.tv_usec) / 1e6;
}

} // namespace

ProcessInfo::CpuTimes ProcessInfo::cpuTimes()
{
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) != 0)
        return {};
    return {timevalSeconds(usage.ru_utime), timevalSeconds(usage.ru_stime)};
}

ProcessInfo::Memory ProcessInfo::memory()
{
    const QByteArray status = readProcFile("/proc/self/status");
    return {kilobyteField(status, "VmRSS"), kilobyteField(status, "VmSize")};
}

std::optional<qint64> ProcessInfo::heapBytes()
{
#if defined(QSOKETI_ASAN)
    return qint64(__sanitizer_get_current_allocated_bytes());
#elif defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    const struct mallinfo2 info = mallinfo2();
    return qint64(info.arena + info.hblkhd);
#else
    return kilobyteField(readProcFile("/proc/self/status"), "VmData");
#endif
}

std::optional<qint64> ProcessInfo::openFds()
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir)
        return std::nullopt;
    qint64 count = 0;
    while (const dirent *entry = readdir(dir)) {
        if (entry->d_name[0] != '.')
            ++count;
    }
    closedir(dir);
    return count - 1; // the descriptor opendir() itself holds
}

std::optional<qint64> ProcessInfo::maxFds()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return std::nullopt;
    return qint64(limit.rlim_cur);
}

std::optional<double> ProcessInfo::startTimeSeconds()
{
    // Field 22 of /proc/self/stat, counted after the ")" that closes the command name (which may contain
    // spaces): the start time in clock ticks since boot.
    const QByteArray stat = readProcFile("/proc/self/stat");
    const qsizetype close = stat.lastIndexOf(')');
    if (close < 0)
        return std::nullopt;
    const QList<QByteArray> fields = stat.mid(close + 2).split(' ');
    // fields[0] is field 3 (state), so field 22 is fields[19].
    bool ok = false;
    const qint64 startTicks = fields.value(19).toLongLong(&ok);
    if (!ok)
        return std::nullopt;
    std::optional<qint64> bootTime;
    for (const QByteArray &line : readProcFile("/proc/stat").split('\n')) {
        if (line.startsWith("btime ")) {
            bootTime = line.mid(6).trimmed().toLongLong(&ok);
            if (!ok)
                return std::nullopt;
        }
    }
    const long ticksPerSecond = sysconf(_SC_CLK_TCK);
    if (!bootTime || ticksPerSecond <= 0)
        return std::nullopt;
    return double(*bootTime) + double(startTicks) / double(ticksPerSecond);
}

std::optional<qint64> ProcessInfo::physicalMemoryBytes()
{
    return kilobyteField(readProcFile("/proc/meminfo"), "MemTotal");
}

} // namespace qsoketi
