// SPDX-License-Identifier: GPL-3.0-or-later
#include "apps/AppStoreWorker.h"

#include <algorithm>

#include <QDateTime>
#include <QPointer>

#include "apps/AppStoreLogging.h"
#include "apps/SqlAppStore.h"
#include "threading/ThreadHandOff.h"

namespace qsoketi {

AppStoreWorker::AppStoreWorker(const AppStoreConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_threadContext(new QObject)
{
    m_threadContext->moveToThread(&m_thread);
    // finished is emitted on the worker thread itself: the connection closes on the thread that opened it.
    connect(
        &m_thread, &QThread::finished, m_threadContext, [this] { m_store.reset(); }, Qt::DirectConnection);
    m_thread.setObjectName(QStringLiteral("qsoketi-apps"));
    m_thread.start();
}

AppStoreWorker::~AppStoreWorker()
{
    m_thread.quit();
    m_thread.wait();
    delete m_threadContext;
}

void AppStoreWorker::post(Operation operation, QObject *replyTo, ReplyHandler onReply, qint64 deadlineMs)
{
    const QPointer<QObject> target(replyTo);
    ThreadHandOff::post(
        m_threadContext,
        [this, operation = std::move(operation), target, onReply = std::move(onReply), deadlineMs] {
            // An operation whose caller was already answered (timed out) is not worth a query.
            const AppStoreReply reply = deadlineMs > 0 && QDateTime::currentMSecsSinceEpoch() >= deadlineMs
                ? AppStoreReply::failure(QStringLiteral("expired before it ran"))
                : run(operation);
            if (target && onReply) {
                ThreadHandOff::post(
                    target, [onReply, reply] { onReply(reply); }, Qt::QueuedConnection);
            }
        },
        Qt::QueuedConnection);
}

AppStoreReply AppStoreWorker::run(const Operation &operation)
{
    if (!m_store) {
        m_store = std::make_unique<SqlAppStore>(m_config); // created here: a connection belongs to its thread
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (m_down && now < m_retryAtMs) {
        return AppStoreReply::failure(
            QStringLiteral("the app database (%1) is unreachable; retrying").arg(m_store->description()), true);
    }
    AppStoreReply reply = operation(*m_store);
    if (reply.unavailable) {
        if (!m_down) {
            qCWarning(lcAppStore).noquote()
                << reply.error
                << QStringLiteral("- apps not in the cache cannot connect until the database is back; cached apps "
                                  "keep working. Retrying.");
        }
        m_down = true;
        m_pauseMs = std::clamp(m_pauseMs * 2, 250, 5000);
        m_retryAtMs = QDateTime::currentMSecsSinceEpoch() + m_pauseMs;
    } else if (m_down) {
        qCInfo(lcAppStore).noquote()
            << QStringLiteral("the app database (%1) is reachable again").arg(m_store->description());
        m_down = false;
        m_pauseMs = 0;
    }
    return reply;
}

} // namespace qsoketi
