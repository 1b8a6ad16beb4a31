// SPDX-License-Identifier: GPL-3.0-or-later
#include "adapter/NatsConnection.h"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <QMetaObject>

#include "logging/LogCategories.h"
#include "threading/ThreadHandOff.h"

#include <nats/nats.h>

namespace qsoketi {

// What cnats' callbacks hold (their `closure`): the way back to the Qt thread. The connection detaches
// it when destroyed; callbacks still in flight then post nothing. Every cnats registration holds a
// reference, released by the callback cnats promises to call last (the subscription's on-complete, the
// connection's closed), so the relay outlives every callback that may touch it.
struct NatsConnection::Relay
{
    std::mutex mutex;
    NatsConnection *target = nullptr;
    std::atomic<int> refs{1};

    // Runs f(target) on the target's thread, unless the target is gone by then.
    template <typename F> bool post(F f)
    {
        std::lock_guard lock(mutex);
        if (!target)
            return false;
        ThreadHandOff::post(
            target, [t = target, f = std::move(f)] { f(t); }, Qt::QueuedConnection);
        return true;
    }
    void detach()
    {
        std::lock_guard lock(mutex);
        target = nullptr;
    }
    void ref() { refs.fetch_add(1); }
    void unref()
    {
        if (refs.fetch_sub(1) == 1)
            delete this;
    }
};

// The cnats objects. Destroying them closes the connection (cnats flushes what is queued first).
struct NatsConnection::Handles
{
    natsConnection *connection = nullptr;
    std::vector<natsSubscription *> subscriptions;
    ~Handles()
    {
        for (natsSubscription *s : subscriptions)
            natsSubscription_Destroy(s);
        if (connection) {
            natsConnection_FlushTimeout(connection, 500);
            natsConnection_Destroy(connection);
        }
    }
};

namespace {

QString lastError(natsConnection *nc, natsStatus s)
{
    const char *text = nullptr;
    if (nc)
        natsConnection_GetLastError(nc, &text);
    return QString::fromUtf8(text && *text ? text : natsStatus_GetText(s));
}

QString connectedUrl(natsConnection *nc)
{
    char url[256] = {};
    natsConnection_GetConnectedUrl(nc, url, sizeof url);
    return QString::fromUtf8(url);
}

} // namespace

NatsConnection::NatsConnection(const AdapterConfig &config, QList<QByteArray> subjects, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_subjects(std::move(subjects))
    , m_relay(new Relay)
{
    m_relay->target = this;
}

NatsConnection::~NatsConnection()
{
    m_relay->detach();
    m_handles.reset();
    m_relay->unref();
}

void NatsConnection::open()
{
    if (m_opened)
        return;
    m_opened = true;
    QByteArrayList urls;
    for (const QString &s : m_config.natsServers)
        urls.append(s.contains(QLatin1String("://")) ? s.toUtf8() : "nats://" + s.toUtf8());
    struct Settings
    {
        QByteArrayList urls;
        QByteArray user, password, token;
        int timeoutMs;
        QList<QByteArray> subjects;
    } settings{urls, m_config.natsUser.toUtf8(), m_config.natsPassword.toUtf8(), m_config.natsToken.toUtf8(),
        m_config.natsTimeoutMs, m_subjects};

    Relay *relay = m_relay;
    relay->ref(); // the worker's
    // natsConnection_Connect waits for the first server (up to the connect timeout per server): a worker
    // thread does it and hands the handles over.
    std::thread([relay, settings = std::move(settings)] {
        auto onMessage = [](natsConnection *, natsSubscription *, natsMsg *msg, void *closure) {
            QByteArray subject(natsMsg_GetSubject(msg));
            QByteArray data(natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
            natsMsg_Destroy(msg);
            static_cast<Relay *>(closure)->post([subject = std::move(subject), data = std::move(data)](
                                                    NatsConnection *c) { emit c->message(subject, data); });
        };
        auto onSubscriptionDone = [](void *closure) { static_cast<Relay *>(closure)->unref(); };
        auto onUp = [](natsConnection *nc, void *closure) {
            natsConnection_FlushTimeout(nc, 1000); // the subscriptions are in place on the server
            const QString url = connectedUrl(nc);
            static_cast<Relay *>(closure)->post(
                [url](NatsConnection *c) { c->setReady(true, QStringLiteral("connected to %1").arg(url)); });
        };
        auto onDown = [](natsConnection *nc, void *closure) {
            const QString why = lastError(nc, NATS_CONNECTION_CLOSED);
            static_cast<Relay *>(closure)->post([why](NatsConnection *c) { c->setReady(false, why); });
        };
        auto onClosed = [](natsConnection *, void *closure) { static_cast<Relay *>(closure)->unref(); };

        std::vector<const char *> servers;
        for (const QByteArray &u : settings.urls)
            servers.push_back(u.constData());
        natsOptions *opts = nullptr;
        natsStatus s = natsOptions_Create(&opts);
        if (s == NATS_OK)
            s = natsOptions_SetServers(opts, servers.data(), int(servers.size()));
        if (s == NATS_OK && !settings.user.isEmpty())
            s = natsOptions_SetUserInfo(opts, settings.user.constData(), settings.password.constData());
        if (s == NATS_OK && !settings.token.isEmpty())
            s = natsOptions_SetToken(opts, settings.token.constData());
        if (s == NATS_OK)
            s = natsOptions_SetTimeout(opts, settings.timeoutMs);
        if (s == NATS_OK)
            s = natsOptions_SetName(opts, "qsoketi");
        if (s == NATS_OK)
            s = natsOptions_SetNoEcho(opts, true); // a node never needs its own messages
        if (s == NATS_OK)
            s = natsOptions_SetPingInterval(opts, 30000); // soketi's
        if (s == NATS_OK)
            s = natsOptions_SetMaxReconnect(opts, -1);
        if (s == NATS_OK)
            s = natsOptions_SetReconnectWait(opts, 1000);
        if (s == NATS_OK)
            s = natsOptions_SetDisconnectedCB(opts, onDown, relay);
        if (s == NATS_OK)
            s = natsOptions_SetReconnectedCB(opts, onUp, relay);
        if (s == NATS_OK)
            s = natsOptions_SetClosedCB(opts, onClosed, relay);
        if (s == NATS_OK)
            s = natsOptions_SetRetryOnFailedConnect(opts, true, onUp, relay);
        natsConnection *nc = nullptr;
        if (s == NATS_OK) {
            relay->ref(); // the connection callbacks', released by onClosed
            s = natsConnection_Connect(&nc, opts);
            if (!nc)
                relay->unref();
        }
        natsOptions_Destroy(opts);
        const bool connected = s == NATS_OK;
        if (!connected && s != NATS_NOT_YET_CONNECTED) {
            const char *detail = nats_GetLastError(nullptr);
            const QString why = QString::fromUtf8(detail && *detail ? detail : natsStatus_GetText(s));
            relay->post([why](NatsConnection *) {
                qCWarning(lcServer).noquote()
                    << "nats adapter cannot be set up:" << why << "- check SOKETI_ADAPTER_NATS_*; the node works alone";
            });
            relay->unref();
            return;
        }
        auto handles = std::make_shared<Handles>();
        handles->connection = nc;
        for (const QByteArray &subject : settings.subjects) {
            natsSubscription *sub = nullptr;
            relay->ref(); // the subscription's, released by onSubscriptionDone
            if (natsConnection_Subscribe(&sub, nc, subject.constData(), onMessage, relay) != NATS_OK) {
                relay->unref();
                continue;
            }
            if (natsSubscription_SetOnCompleteCB(sub, onSubscriptionDone, relay) != NATS_OK)
                relay->unref(); // already closed: no callback will come (nor use the relay)
            // The Qt thread drains quickly; never drop cluster traffic as a "slow consumer".
            natsSubscription_SetPendingLimits(sub, -1, -1);
            handles->subscriptions.push_back(sub);
        }
        if (connected)
            natsConnection_FlushTimeout(nc, settings.timeoutMs);
        else
            relay->post([](NatsConnection *c) {
                qCWarning(lcServer).noquote() << "nats adapter cannot reach" << c->m_config.natsServers.join(", ")
                                              << "yet; retrying every second, the node works alone meanwhile";
            });
        // If the connection is gone, the dropped lambda closes the handles.
        relay->post([handles, connected](NatsConnection *c) { c->adopt(handles, connected); });
        relay->unref();
    }).detach();
}

void NatsConnection::adopt(std::shared_ptr<Handles> handles, bool connected)
{
    m_handles = std::move(handles);
    // A retried connect may have completed (and been reported, before the handles) since the worker looked.
    if (connected || natsConnection_Status(m_handles->connection) == NATS_CONN_STATUS_CONNECTED)
        setReady(true, QStringLiteral("connected to %1").arg(connectedUrl(m_handles->connection)));
}

void NatsConnection::setReady(bool ready, const QString &why)
{
    if (!m_handles && ready)
        return; // adopt() follows and says it again
    if (ready == m_ready)
        return;
    m_ready = ready;
    if (ready)
        qCInfo(lcServer).noquote() << "nats adapter" << why;
    else
        qCWarning(lcServer).noquote() << "nats adapter lost NATS (" + why
                + "); reconnecting every second, the node works alone until it is back";
    emit readyChanged(ready);
}

bool NatsConnection::publish(const QByteArray &subject, const QByteArray &body)
{
    if (!m_ready || !m_handles)
        return false;
    return natsConnection_Publish(m_handles->connection, subject.constData(), body.constData(), int(body.size()))
        == NATS_OK;
}

} // namespace qsoketi
