// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <deque>

#include <QHash>
#include <QString>
#include <QStringList>

#include "apps/AppPtr.h"

namespace qsoketi {

// The apps AppDirectory has seen, by id and by key, and a bounded memory of ids/keys the store did not
// know. Not thread-safe: AppDirectory holds its mutex around every call.
class AppCache final
{
public:
    enum class By
    {
        Id,
        Key,
    };

    AppCache(qint64 missingTtlMs, int missingMaxEntries);

    AppPtr find(By by, const QString &value) const;
    // Stores app, replacing the copy with the same id (and its key, if the key changed). Returns that copy.
    AppPtr put(const AppPtr &app);
    // Drops the app with this id; returns it (nullptr when it was not cached).
    AppPtr remove(const QString &id);
    // Stops answering this key (the store no longer has it) without dropping the app's id entry, which the
    // next refresh re-reads.
    void forgetKey(const QString &key);
    // Takes a re-read of ids: apps now differing are replaced and listed in changed, ids the store no
    // longer has are dropped and listed in removed.
    void refresh(const QStringList &ids, const QList<AppPtr> &apps, QList<AppPtr> *changed, QStringList *removed);
    QStringList ids() const { return m_byId.keys(); }
    qsizetype size() const { return m_byId.size(); }

    // Unknown ids/keys. The oldest entries go first once missingMaxEntries are remembered.
    bool isMissing(By by, const QString &value, qint64 nowMs) const;
    void putMissing(By by, const QString &value, qint64 nowMs);
    void clearMissing(const AppPtr &app);
    qsizetype missingSize() const { return m_missing.size(); }

private:
    static QString missingKey(By by, const QString &value);
    void expireMissing(qint64 nowMs);

    qint64 m_missingTtlMs;
    qsizetype m_missingMaxEntries;
    QHash<QString, AppPtr> m_byId;
    QHash<QString, AppPtr> m_byKey;
    QHash<QString, qint64> m_missing; // "i:<id>" / "k:<key>" → expiry (ms)
    std::deque<std::pair<QString, qint64>> m_missingOrder; // insertion order = expiry order
};

} // namespace qsoketi
