// SPDX-License-Identifier: GPL-3.0-or-later
#include "apps/AppCache.h"

#include <algorithm>

#include <QSet>

#include "apps/AppColumns.h"

namespace qsoketi {

AppCache::AppCache(qint64 missingTtlMs, int missingMaxEntries)
    : m_missingTtlMs(std::max<qint64>(0, missingTtlMs))
    , m_missingMaxEntries(std::max(0, missingMaxEntries))
{}

AppPtr AppCache::find(By by, const QString &value) const
{
    return (by == By::Id ? m_byId : m_byKey).value(value);
}

AppPtr AppCache::put(const AppPtr &app)
{
    AppPtr previous = m_byId.value(app->id);
    if (previous && previous->key != app->key && m_byKey.value(previous->key) == previous) {
        m_byKey.remove(previous->key);
    }
    m_byId.insert(app->id, app);
    m_byKey.insert(app->key, app);
    return previous;
}

AppPtr AppCache::remove(const QString &id)
{
    AppPtr previous = m_byId.take(id);
    if (previous && m_byKey.value(previous->key) == previous) {
        m_byKey.remove(previous->key);
    }
    return previous;
}

void AppCache::forgetKey(const QString &key)
{
    m_byKey.remove(key);
}

void AppCache::refresh(const QStringList &ids, const QList<AppPtr> &apps, QList<AppPtr> *changed, QStringList *removed)
{
    QSet<QString> seen;
    for (const AppPtr &app : apps) {
        seen.insert(app->id);
        const AppPtr previous = put(app);
        if (previous && !AppColumns::same(*previous, *app)) {
            changed->append(app);
        }
    }
    for (const QString &id : ids) {
        if (!seen.contains(id) && remove(id)) {
            removed->append(id);
        }
    }
}

QString AppCache::missingKey(By by, const QString &value)
{
    return (by == By::Id ? QStringLiteral("i:") : QStringLiteral("k:")) + value;
}

bool AppCache::isMissing(By by, const QString &value, qint64 nowMs) const
{
    const auto it = m_missing.constFind(missingKey(by, value));
    return it != m_missing.cend() && *it > nowMs;
}

void AppCache::expireMissing(qint64 nowMs)
{
    while (!m_missingOrder.empty()
        && (m_missingOrder.front().second <= nowMs || m_missing.size() >= m_missingMaxEntries)) {
        const auto &[key, expiry] = m_missingOrder.front();
        const auto it = m_missing.find(key);
        if (it != m_missing.end() && *it == expiry) {
            m_missing.erase(it); // an entry renewed later has a newer expiry and stays
        }
        m_missingOrder.pop_front();
    }
}

void AppCache::putMissing(By by, const QString &value, qint64 nowMs)
{
    if (m_missingTtlMs == 0 || m_missingMaxEntries == 0) {
        return;
    }
    expireMissing(nowMs);
    const QString key = missingKey(by, value);
    const qint64 expiry = nowMs + m_missingTtlMs;
    m_missing.insert(key, expiry);
    m_missingOrder.emplace_back(key, expiry);
}

void AppCache::clearMissing(const AppPtr &app)
{
    m_missing.remove(missingKey(By::Id, app->id));
    m_missing.remove(missingKey(By::Key, app->key));
}

} // namespace qsoketi
