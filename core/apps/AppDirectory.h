// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include <QHash>
#include <QJsonObject>
#include <QMutex>
#include <QObject>
#include <QTimer>

#include "apps/AppCache.h"
#include "apps/AppStoreConfig.h"
#include "apps/AppStoreReply.h"
#include "apps/AppStoreWorker.h"
#include "apps/PendingLookups.h"
#include "metrics/AppStoreMetrics.h"

namespace qsoketi {

// Where the server finds its apps: by key for every WebSocket connection, by id for every HTTP API call
// (soketi's app manager, spec §10). The `array` driver answers from the config at once; the SQL drivers
// (mysql, postgres, sqlite) ask the database on a worker thread of their own and never on the caller's
// event loop.
//
// Lookups: `done` runs before findBy*() returns when the answer is cached or the driver is `array`;
// otherwise later, on context's thread (not at all once context is destroyed), or on the directory's
// thread without a context, so a caller on another thread passes a context living on its own thread.
// nullptr = no such app, or the store could not answer within lookupTimeoutMs (storeReachable() is then
// false: a server may prefer a "try again later" close code over 4001 then). Callers waiting for the
// same id/key share one query.
//
// Cache: with SOKETI_APP_MANAGER_CACHE_ENABLED, apps are answered from memory and re-read every
// SOKETI_APP_MANAGER_CACHE_TTL seconds; changes seen on a re-read are signalled. Without it every lookup
// asks the store (soketi's behaviour) and apps in use are re-read every watchIntervalMs. Either way the
// last copy of an app stands in while the store is unreachable, and unknown ids/keys are remembered
// briefly (bounded) so they cannot hammer the database.
//
// Writes (`qsoketi apps`, dashboard) go to the store in order on the same worker; the `array` driver
// refuses them. Changes made here are seen by this directory at once.
class AppDirectory final : public QObject
{
    Q_OBJECT

public:
    using LookupCallback = std::function<void(AppPtr app)>;
    using ReplyCallback = std::function<void(const AppStoreReply &reply)>;

    explicit AppDirectory(const AppStoreConfig &config, AppStoreMetrics metrics = {}, QObject *parent = nullptr);
    ~AppDirectory() override;
    Q_DISABLE_COPY_MOVE(AppDirectory)

    void findByKey(const QString &key, LookupCallback done, QObject *context = nullptr);
    void findById(const QString &id, LookupCallback done, QObject *context = nullptr);

    // What the directory knows of an id without asking the store (never waits): the app; nullptr when
    // there is no such app (the store said so lately); std::nullopt when it does not know.
    std::optional<AppPtr> knownById(const QString &id) const;

    AppStoreConfig::Driver driver() const { return m_config.driver; }
    bool isWritable() const { return m_config.driver != AppStoreConfig::Driver::Array; }
    // "postgres database "main" at 127.0.0.1:5432, table apps" (no password).
    QString description() const;
    // false from a failed or timed-out store query until the next one that succeeds.
    bool storeReachable() const;
    // The message a write on the read-only `array` driver gets.
    static QString readOnlyMessage();

    // Store operations; `done` always runs later (never inside the call), on context's thread.
    void list(ReplyCallback done, QObject *context = nullptr);
    // The app as the store has it now (no cache); a reply without apps = no such app.
    void get(const QString &id, ReplyCallback done, QObject *context = nullptr);
    // fields: AppColumns names; id, key and secret are generated when not given.
    void add(const QJsonObject &fields, ReplyCallback done, QObject *context = nullptr);
    // Only the given fields change; null or "default" resets one (limits: to the server default).
    void update(const QString &id, const QJsonObject &changes, ReplyCallback done, QObject *context = nullptr);
    // A new secret (generated unless given). graceSeconds > 0 keeps the old one valid that long
    // (App::previousSecret); the table needs qsoketi's previous_secret columns for that.
    void rotateSecret(const QString &id, int graceSeconds, ReplyCallback done, QObject *context = nullptr,
        const QString &newSecret = {});
    void setEnabled(const QString &id, bool enabled, ReplyCallback done, QObject *context = nullptr);
    void remove(const QString &id, ReplyCallback done, QObject *context = nullptr);

signals:
    // An app differs from the copy handed out before: disabled, secret rotated, limits changed... (also
    // emitted for an app added through this directory).
    void appChanged(qsoketi::AppPtr app);
    // The store no longer has this app.
    void appRemoved(const QString &id);

private:
    using By = AppCache::By;

    void lookup(By by, const QString &value, LookupCallback done, QObject *context);
    void startLookup(By by, const QString &value, quint64 ticket);
    void onLookupReply(By by, const QString &value, quint64 ticket, const AppStoreReply &reply);
    void onLookupTimeout(By by, const QString &value, quint64 ticket);
    void refresh();
    void onRefreshReply(const QStringList &ids, const AppStoreReply &reply);
    // Runs operation on the worker, then onReply here, then `done` on context's thread (this one without).
    // (The array driver answers arrayReply instead: a refusal for writes.)
    void submit(AppStoreWorker::Operation operation, AppStoreWorker::ReplyHandler onReply, ReplyCallback done,
        QObject *context, const AppStoreReply &arrayReply = AppStoreReply::failure(readOnlyMessage()));
    void applyWrite(const AppStoreReply &reply, const QString &removedId);
    void noteFailure(const AppStoreReply &reply);
    void noteSuccess();

    AppStoreConfig m_config;
    AppStoreMetrics m_metrics;
    QHash<QString, AppPtr> m_arrayById;
    QHash<QString, AppPtr> m_arrayByKey;

    mutable QMutex m_mutex; // guards m_cache, m_pending, m_reachable, m_lastError, m_loggedFailure
    AppCache m_cache;
    PendingLookups m_pending;
    bool m_reachable = true;
    QString m_lastError;
    bool m_loggedFailure = false; // this directory (not the worker) reported the problem

    QTimer m_refreshTimer;
    bool m_refreshing = false;
    std::unique_ptr<AppStoreWorker> m_worker; // null for the array driver
};

} // namespace qsoketi
