// SPDX-License-Identifier: GPL-3.0-or-later
#include "rest/BodyBudget.h"

namespace qsoketi {

BodyBudget::BodyBudget(qint64 limitBytes)
    : m_limit(limitBytes)
{}

qint64 BodyBudget::defaultLimitFor(qint64 maxBodyBytes)
{
    return qMax<qint64>(64 * 1024 * 1024, 4 * maxBodyBytes);
}

bool BodyBudget::tryReserve(qint64 bytes)
{
    qint64 used = m_inUse.load(std::memory_order_relaxed);
    do {
        if (bytes > m_limit - used)
            return false;
    } while (!m_inUse.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
    return true;
}

void BodyBudget::release(qint64 bytes)
{
    [[maybe_unused]] const qint64 before = m_inUse.fetch_sub(bytes, std::memory_order_relaxed);
    Q_ASSERT(bytes <= before);
}

} // namespace qsoketi
