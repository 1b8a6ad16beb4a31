// SPDX-License-Identifier: GPL-3.0-or-later
#include "rest/MemoryUsage.h"

#include <QFile>

#include <unistd.h>

namespace qsoketi {

namespace {

quint64 meminfoKb(const QByteArray &meminfo, const char *field)
{
    const qsizetype at = meminfo.indexOf(field);
    if (at < 0)
        return 0;
    const qsizetype colon = meminfo.indexOf(':', at);
    const qsizetype end = meminfo.indexOf('\n', colon);
    return meminfo.mid(colon + 1, end - colon - 1).replace("kB", "").trimmed().toULongLong();
}

} // namespace

MemoryUsage MemoryUsage::read()
{
    MemoryUsage usage;
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (statm.open(QIODevice::ReadOnly)) {
        const QList<QByteArray> fields = statm.readAll().split(' ');
        usage.residentBytes = fields.value(1).toULongLong() * quint64(sysconf(_SC_PAGESIZE));
    }
    QFile meminfo(QStringLiteral("/proc/meminfo"));
    if (meminfo.open(QIODevice::ReadOnly)) {
        const QByteArray text = meminfo.readAll();
        usage.totalBytes = meminfoKb(text, "MemTotal") * 1024;
        usage.availableBytes = meminfoKb(text, "MemAvailable") * 1024;
    }
    return usage;
}

} // namespace qsoketi
