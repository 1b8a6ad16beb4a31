// SPDX-License-Identifier: GPL-3.0-or-later
#include "apps/AppDirectory.h"

#include <algorithm>
#include <climits>

#include <QDateTime>

#include "apps/AppColumns.h"
#include "apps/AppStoreLogging.h"
#include "apps/AppStoreOperations.h"
#include "apps/AppStoreWorker.h"
#include "apps/SqlAppStore.h"
#include "apps/SqlConnectionFactory.h"
#include "threading/ThreadHandOff.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

namespace qsoketi {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

void increment(prometheus::Counter *counter)
{
    if (counter) {
        counter->Increment();
    }
}

// soketi's columns are varchar(255); anything longer, or with a NUL, cannot be an app and never reaches SQL.
bool plausible(const QString &value)
{
    return !value.isEmpty() && value.size() <= 255 && !value.contains(QChar(0));
}

qint64 refreshIntervalMs(const AppStoreConfig &config)
{
    if (config.driver == AppStoreConfig::Driver::Array) {
        return 0;
    }
    if (!config.cacheEnabled) {
        return config.watchIntervalMs;
    }
    return config.cacheTtlSeconds > 0 ? qint64(config.cacheTtlSeconds) * 1000 : 0; // TTL <= 0: kept for good
}

qint64 missingTtl(const AppStoreConfig &config)
{
    const qint64 ttl = config.negativeCacheTtlMs;
    if (config.cacheEnabled && config.cacheTtlSeconds > 0) {
        return std::min(ttl, qint64(config.cacheTtlSeconds) * 1000);
    }
    return ttl;
}

} // namespace

AppDirectory::AppDirectory(const AppStoreConfig &config, AppStoreMetrics metrics, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_metrics(metrics)
    , m_cache(missingTtl(config), config.negativeCacheMaxEntries)
{
    qRegisterMetaType<AppPtr>(); // appChanged crosses threads (queued connections)
    if (m_config.driver == AppStoreConfig::Driver::Array) {
        for (const App &app : std::as_const(m_config.arrayApps)) {
            const AppPtr shared = std::make_shared<const App>(app);
            m_arrayById.insert(app.id, shared); // ids and keys are unique: ConfigBuilder checks
            m_arrayByKey.insert(app.key, shared);
        }
        return;
    }
    m_worker = std::make_unique<AppStoreWorker>(m_config);

    const qint64 interval = refreshIntervalMs(m_config);
    if (interval > 0) {
        m_refreshTimer.setInterval(int(std::min<qint64>(interval, INT_MAX)));
        connect(&m_refreshTimer, &QTimer::timeout, this, &AppDirectory::refresh);
        m_refreshTimer.start();
    }
}

AppDirectory::~AppDirectory() = default; // the worker waits for the query in progress; waiting lookups are dropped

QString AppDirectory::description() const
{
    if (m_config.driver == AppStoreConfig::Driver::Array) {
        return QStringLiteral("the apps of the configuration (array driver)");
    }
    return SqlConnectionFactory::describe(m_config);
}

bool AppDirectory::storeReachable() const
{
    QMutexLocker lock(&m_mutex);
    return m_reachable;
}

QString AppDirectory::readOnlyMessage()
{
    return QStringLiteral("the array app manager is read-only: its apps come from the config file and "
                          "SOKETI_DEFAULT_APP_*; set SOKETI_APP_MANAGER_DRIVER=sqlite (or mysql/postgres) to "
                          "manage apps with qsoketi");
}

void AppDirectory::findByKey(const QString &key, LookupCallback done, QObject *context)
{
    lookup(By::Key, key, std::move(done), context);
}

void AppDirectory::findById(const QString &id, LookupCallback done, QObject *context)
{
    lookup(By::Id, id, std::move(done), context);
}

std::optional<AppPtr> AppDirectory::knownById(const QString &id) const
{
    if (!plausible(id)) {
        return AppPtr();
    }
    if (m_config.driver == AppStoreConfig::Driver::Array) {
        return m_arrayById.value(id);
    }
    QMutexLocker lock(&m_mutex);
    if (AppPtr cached = m_cache.find(By::Id, id)) {
        return cached;
    }
    if (m_cache.isMissing(By::Id, id, nowMs())) {
        return AppPtr();
    }
    return std::nullopt;
}

void AppDirectory::lookup(By by, const QString &value, LookupCallback done, QObject *context)
{
    increment(by == By::Key ? m_metrics.lookupsByKey : m_metrics.lookupsById);
    prometheus::Counter *hits = by == By::Key ? m_metrics.cacheHitsByKey : m_metrics.cacheHitsById;
    if (!plausible(value)) {
        done(nullptr);
        return;
    }
    if (m_config.driver == AppStoreConfig::Driver::Array) {
        increment(hits);
        done((by == By::Id ? m_arrayById : m_arrayByKey).value(value));
        return;
    }
    QMutexLocker lock(&m_mutex);
    AppPtr cached = m_config.cacheEnabled ? m_cache.find(by, value) : nullptr;
    if (cached || m_cache.isMissing(by, value, nowMs())) {
        lock.unlock();
        increment(hits);
        done(cached);
        return;
    }
    quint64 ticket = 0;
    PendingLookups::Waiter waiter{std::move(done), context, context != nullptr};
    const PendingLookups::Added added =
        m_pending.add(by, value, std::move(waiter), m_config.maxPendingLookups, &ticket);
    lock.unlock();
    if (added == PendingLookups::Added::Full) {
        increment(m_metrics.errors);
        qCDebug(lcAppStore) << "too many app lookups waiting for the store; one answered \"no app\"";
        waiter.done(nullptr); // not added, so still ours
        return;
    }
    if (added == PendingLookups::Added::Joined) {
        return; // answered with the query already on its way
    }
    if (QThread::currentThread() == thread()) {
        startLookup(by, value, ticket);
    } else {
        ThreadHandOff::post(
            this, [this, by, value, ticket] { startLookup(by, value, ticket); }, Qt::QueuedConnection);
    }
}

void AppDirectory::startLookup(By by, const QString &value, quint64 ticket)
{
    QTimer::singleShot(
        m_config.lookupTimeoutMs, this, [this, by, value, ticket] { onLookupTimeout(by, value, ticket); });
    m_worker->post(
        [by, value](SqlAppStore &store) { return by == By::Key ? store.findByKey(value) : store.findById(value); },
        this, [this, by, value, ticket](const AppStoreReply &reply) { onLookupReply(by, value, ticket, reply); },
        nowMs() + m_config.lookupTimeoutMs);
}

void AppDirectory::onLookupReply(By by, const QString &value, quint64 ticket, const AppStoreReply &reply)
{
    QList<PendingLookups::Waiter> waiters;
    qint64 waitedNs = 0;
    AppPtr answer;
    AppPtr changed;
    QString removed;
    bool answered = false; // false: the callers were already answered by the timeout
    {
        QMutexLocker lock(&m_mutex);
        answered = m_pending.take(by, value, ticket, &waiters, &waitedNs);
        if (!reply.ok()) {
            if (!answered) {
                return; // counted when it timed out
            }
            answer = m_cache.find(by, value); // the last copy stands in while the store cannot answer
        } else if (const AppPtr app = reply.first()) {
            const AppPtr previous = m_cache.put(app);
            m_cache.clearMissing(app);
            if (previous && !AppColumns::same(*previous, *app)) {
                changed = app;
            }
            answer = app;
        } else {
            m_cache.putMissing(by, value, nowMs());
            if (by == By::Id && m_cache.remove(value)) {
                removed = value;
            } else if (by == By::Key) {
                m_cache.forgetKey(value); // a changed key: the next refresh re-reads the app by id
            }
        }
    }
    if (answered && m_metrics.lookupSeconds) {
        m_metrics.lookupSeconds->Observe(double(waitedNs) / 1e9);
    }
    if (reply.ok()) {
        noteSuccess();
    } else {
        noteFailure(reply);
    }
    if (changed) {
        emit appChanged(changed);
    }
    if (!removed.isEmpty()) {
        emit appRemoved(removed);
    }
    for (const PendingLookups::Waiter &waiter : std::as_const(waiters)) {
        PendingLookups::deliver(waiter, answer, this);
    }
}

void AppDirectory::onLookupTimeout(By by, const QString &value, quint64 ticket)
{
    QList<PendingLookups::Waiter> waiters;
    qint64 waitedNs = 0;
    AppPtr answer;
    {
        QMutexLocker lock(&m_mutex);
        if (!m_pending.take(by, value, ticket, &waiters, &waitedNs)) {
            return;
        }
        answer = m_cache.find(by, value);
    }
    noteFailure(AppStoreReply::failure(QStringLiteral("app lookups wait more than %1 ms for the app store (%2); "
                                                      "apps not in the cache are refused meanwhile")
                                           .arg(m_config.lookupTimeoutMs)
                                           .arg(description())));
    for (const PendingLookups::Waiter &waiter : std::as_const(waiters)) {
        PendingLookups::deliver(waiter, answer, this);
    }
}

void AppDirectory::noteFailure(const AppStoreReply &reply)
{
    increment(m_metrics.errors);
    QMutexLocker lock(&m_mutex);
    m_reachable = false;
    // One line per new problem; an unreachable database is reported by the worker.
    if (reply.error != m_lastError) {
        m_lastError = reply.error;
        if (!reply.unavailable) {
            qCWarning(lcAppStore).noquote() << reply.error;
            m_loggedFailure = true;
        }
    }
}

void AppDirectory::noteSuccess()
{
    QMutexLocker lock(&m_mutex);
    if (m_loggedFailure) {
        qCInfo(lcAppStore).noquote() << QStringLiteral("the app store answers again (%1)").arg(description());
    }
    m_reachable = true;
    m_loggedFailure = false;
    m_lastError.clear();
}

void AppDirectory::refresh()
{
    if (m_refreshing) {
        return;
    }
    QStringList ids;
    {
        QMutexLocker lock(&m_mutex);
        ids = m_cache.ids();
    }
    if (ids.isEmpty()) {
        return;
    }
    m_refreshing = true;
    submit([ids](SqlAppStore &store) { return store.findByIds(ids); },
        [this, ids](const AppStoreReply &reply) {
            m_refreshing = false;
            onRefreshReply(ids, reply);
        },
        nullptr, nullptr);
}

void AppDirectory::onRefreshReply(const QStringList &ids, const AppStoreReply &reply)
{
    if (!reply.ok()) {
        noteFailure(reply); // the cached copies keep serving
        return;
    }
    noteSuccess();
    QList<AppPtr> changed;
    QStringList removed;
    {
        QMutexLocker lock(&m_mutex);
        m_cache.refresh(ids, reply.apps, &changed, &removed);
    }
    for (const AppPtr &app : std::as_const(changed)) {
        qCDebug(lcAppStore).noquote() << QStringLiteral("app %1 changed in the store").arg(app->id);
        emit appChanged(app);
    }
    for (const QString &id : std::as_const(removed)) {
        qCDebug(lcAppStore).noquote() << QStringLiteral("app %1 is no longer in the store").arg(id);
        emit appRemoved(id);
    }
}

void AppDirectory::submit(AppStoreWorker::Operation operation, AppStoreWorker::ReplyHandler onReply, ReplyCallback done,
    QObject *context, const AppStoreReply &arrayReply)
{
    const QPointer<QObject> guard(context);
    const bool hasContext = context != nullptr;
    auto answer = [this, onReply = std::move(onReply), done = std::move(done), guard, hasContext](
                      const AppStoreReply &reply) {
        if (onReply) {
            onReply(reply);
        }
        QObject *target = hasContext ? guard.data() : this;
        if (done && target) {
            ThreadHandOff::post(
                target, [done, reply] { done(reply); }, Qt::QueuedConnection);
        }
    };
    if (!m_worker) { // array driver: answered from the config, later as promised
        ThreadHandOff::post(
            this, [answer, arrayReply] { answer(arrayReply); }, Qt::QueuedConnection);
        return;
    }
    m_worker->post(std::move(operation), this, std::move(answer));
}

void AppDirectory::applyWrite(const AppStoreReply &reply, const QString &removedId)
{
    if (!reply.ok()) {
        if (reply.unavailable) {
            noteFailure(reply);
        }
        return;
    }
    noteSuccess();
    QList<AppPtr> changed;
    {
        QMutexLocker lock(&m_mutex);
        for (const AppPtr &app : reply.apps) {
            const AppPtr previous = m_cache.put(app);
            m_cache.clearMissing(app);
            if (!previous || !AppColumns::same(*previous, *app)) {
                changed.append(app);
            }
        }
        if (!removedId.isEmpty()) {
            m_cache.remove(removedId);
        }
    }
    for (const AppPtr &app : std::as_const(changed)) {
        emit appChanged(app);
    }
    if (!removedId.isEmpty()) {
        emit appRemoved(removedId);
    }
}

void AppDirectory::list(ReplyCallback done, QObject *context)
{
    AppStoreReply arrayReply;
    for (const App &app : std::as_const(m_config.arrayApps)) {
        arrayReply.apps.append(std::make_shared<const App>(app));
    }
    submit([](SqlAppStore &store) { return store.list(); }, {}, std::move(done), context, arrayReply);
}

void AppDirectory::get(const QString &id, ReplyCallback done, QObject *context)
{
    AppStoreReply arrayReply;
    if (const AppPtr app = m_arrayById.value(id)) {
        arrayReply.apps.append(app);
    }
    submit([id](SqlAppStore &store) { return store.findById(id); }, {}, std::move(done), context, arrayReply);
}

void AppDirectory::add(const QJsonObject &fields, ReplyCallback done, QObject *context)
{
    submit(
        AppStoreOperations::add(fields), [this](const AppStoreReply &reply) { applyWrite(reply, {}); }, std::move(done),
        context);
}

void AppDirectory::update(const QString &id, const QJsonObject &changes, ReplyCallback done, QObject *context)
{
    submit(
        AppStoreOperations::update(id, changes), [this](const AppStoreReply &reply) { applyWrite(reply, {}); },
        std::move(done), context);
}

void AppDirectory::rotateSecret(
    const QString &id, int graceSeconds, ReplyCallback done, QObject *context, const QString &newSecret)
{
    submit(
        AppStoreOperations::rotateSecret(id, graceSeconds, newSecret),
        [this](const AppStoreReply &reply) { applyWrite(reply, {}); }, std::move(done), context);
}

void AppDirectory::setEnabled(const QString &id, bool enabled, ReplyCallback done, QObject *context)
{
    update(id, QJsonObject{{QStringLiteral("enabled"), enabled}}, std::move(done), context);
}

void AppDirectory::remove(const QString &id, ReplyCallback done, QObject *context)
{
    submit([id](SqlAppStore &store) { return store.remove(id); },
        [this, id](const AppStoreReply &reply) { applyWrite(reply, reply.ok() ? id : QString()); }, std::move(done),
        context);
}

} // namespace qsoketi
