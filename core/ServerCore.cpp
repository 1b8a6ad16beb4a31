// SPDX-License-Identifier: GPL-3.0-or-later
#include "ServerCore.h"

#include <QDateTime>
#include <QTcpSocket>
#include <QTimer>

#include "adapter/RedisAdapter.h"
#include "logging/LogCategories.h"
#include "metrics/MetricsEndpoint.h"
#include "metrics/MetricsRegistry.h"
#include "rest/RestApi.h"
#include "server/ActivityFeed.h"
#include "server/HttpSession.h"
#include "server/PusherServer.h"

namespace qsoketi {

ServerCore::ServerCore(ServerConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_apps(m_config.apps)
    , m_metrics(std::make_unique<MetricsRegistry>(m_config.metrics, m_config.port))
    , m_activity(new ActivityFeed(this))
    , m_pusher(new PusherServer(m_config, m_apps, *m_metrics, *m_activity, this))
    , m_rest(std::make_unique<RestApi>(m_config, m_apps, *m_pusher))
    , m_metricsEndpoint(new MetricsEndpoint(m_config, *m_metrics, [this] { return m_pusher && m_pusher->isClosing(); }, this))
{
    m_listener.setMaxPendingConnections(qMax(m_config.maxPendingConnections, 1024));
    m_listener.setListenBacklogSize(qMax(m_config.maxPendingConnections, 1024));
    connect(&m_listener, &QTcpServer::pendingConnectionAvailable, this, &ServerCore::onNewConnection);
    if (m_config.adapter.driver == QLatin1String("redis"))
        m_pusher->setAdapter(new RedisAdapter(m_config.adapter, *m_metrics));
}

ServerCore::~ServerCore()
{
    // The pusher server's connections must go before the registry their metric pointers point into.
    delete m_pusher;
    m_pusher = nullptr;
}

bool ServerCore::start(QString *error)
{
    const QHostAddress address(
        m_config.host == QLatin1String("localhost") ? QStringLiteral("127.0.0.1") : m_config.host);
    if (address.isNull()) {
        *error = QStringLiteral("SOKETI_HOST \"%1\" is not an IP address.").arg(m_config.host);
        return false;
    }
    if (!m_listener.listen(address, m_config.port)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3; choose another port with SOKETI_PORT")
                     .arg(m_config.host)
                     .arg(m_config.port)
                     .arg(m_listener.errorString());
        return false;
    }
    // soketi always starts the metrics listener; /metrics itself exists only when metrics are enabled.
    if (!m_metricsEndpoint->listen(error)) {
        m_listener.close();
        return false;
    }
    m_startedAtMs = QDateTime::currentMSecsSinceEpoch();
    if (RedisAdapter *adapter = m_pusher->adapter())
        adapter->start(); // connects in the background; the node works alone until Redis answers
    return true;
}

quint16 ServerCore::port() const
{
    return m_listener.serverPort();
}

quint16 ServerCore::metricsPort() const
{
    return m_metricsEndpoint->port();
}

void ServerCore::onNewConnection()
{
    const qint64 maxBody = qint64(m_config.httpRequestLimitInMb * 1024 * 1024);
    while (QTcpSocket *socket = m_listener.nextPendingConnection()) {
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        new HttpSession(
            socket, maxBody,
            [this](const HttpRequest &request, const HttpSession::Responder &respond) {
                m_rest->handle(request, respond);
            },
            [this](QTcpSocket *upgraded) { m_pusher->adoptUpgrade(upgraded); }, this);
    }
}

void ServerCore::shutdown()
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    qCInfo(lcServer) << "shutting down: closing" << m_pusher->connectionCount() << "connections, then waiting"
                     << m_config.shutdownGracePeriodMs << "ms";
    m_listener.close();
    m_pusher->beginShutdown();
    QTimer::singleShot(m_config.shutdownGracePeriodMs, m_metricsEndpoint, &MetricsEndpoint::close);
    QTimer::singleShot(m_config.shutdownGracePeriodMs, this, &ServerCore::stopped);
}

} // namespace qsoketi
