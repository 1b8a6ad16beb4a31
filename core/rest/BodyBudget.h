// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <atomic>

#include <QtGlobal>

namespace qsoketi {

// The memory that all request bodies being read or handled on one port may hold together. Each body is
// reserved whole (its Content-Length) once its head is accepted, before a byte of it is read, and given
// back when its answer is sent; a request that does not fit is answered 503 instead. Without it, a few
// clients uploading bodies at the size limit took the server from 28 to 553 MB (issue 12).
// Shared by every worker's connections: the count is atomic.
class BodyBudget
{
public:
    explicit BodyBudget(qint64 limitBytes);

    // Room for a few requests at the size limit, and never less than 64 MiB: bodies that fit the API
    // (a batch of 10 events) are a few hundred KiB, so this only ever refuses a flood.
    static qint64 defaultLimitFor(qint64 maxBodyBytes);

    bool tryReserve(qint64 bytes);
    void release(qint64 bytes);

    qint64 limit() const { return m_limit; }
    qint64 inUse() const { return m_inUse.load(std::memory_order_relaxed); }

private:
    qint64 m_limit;
    std::atomic<qint64> m_inUse = 0;
};

} // namespace qsoketi
