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
    if (bytes > m_limit - m_inUse)
        return false;
    m_inUse += bytes;
    return true;
}

void BodyBudget::release(qint64 bytes)
{
    Q_ASSERT(bytes <= m_inUse);
    m_inUse -= bytes;
}

} // namespace qsoketi
