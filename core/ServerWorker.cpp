// SPDX-License-Identifier: GPL-3.0-or-later
#include "ServerWorker.h"

#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include "adapter/BrokerClusterView.h"
#include "adapter/LocalClusterView.h"
#include "adapter/NatsAdapter.h"
#include "adapter/RedisAdapter.h"
#include "adapter/WorkerClusterView.h"
#include "config/ServerConfig.h"
#include "logging/LogCategories.h"
#include "rest/BodyBudget.h"
#include "rest/RequestPrecheck.h"
#include "rest/RestApi.h"
#include "server/PusherServer.h"

namespace qsoketi {

namespace {

// The one place that knows what the other nodes are: none, the other workers of this process, or the
// nodes (each worker one of them) behind a broker.
std::unique_ptr<ClusterView> clusterViewFor(const ServerWorker::Shared &shared)
{
    const QString &driver = shared.config.adapter.driver;
    if (driver == QLatin1String("redis"))
        return std::make_unique<BrokerClusterView>(driver, new RedisAdapter(shared.config.adapter, shared.metrics));
    if (driver == QLatin1String("nats"))
        return std::make_unique<BrokerClusterView>(driver, new NatsAdapter(shared.config.adapter, shared.metrics));
    if (shared.workers)
        return std::make_unique<WorkerClusterView>(*shared.workers, shared.config.adapter.requestsTimeoutMs);
    return std::make_unique<LocalClusterView>();
}

// A TLS handshake that has not finished by then is dropped (as QSslServer's handshake timeout did).
constexpr int kTlsHandshakeTimeoutMs = 10000;

} // namespace

ServerWorker::ServerWorker(const Shared &shared, QObject *parent)
    : QObject(parent)
    , m_config(shared.config)
    , m_tls(shared.tls)
    , m_pusher(std::make_unique<PusherServer>(shared.config, shared.apps, shared.metrics, shared.activity,
          shared.webhooks, clusterViewFor(shared), &shared.rateLimits))
    , m_rest(std::make_unique<RestApi>(shared.config, shared.apps, *m_pusher))
    , m_precheck(std::make_unique<RequestPrecheck>(shared.config, shared.apps))
{
    m_httpOptions.pathPrefix = m_config.pathPrefix;
    m_httpOptions.limits.maxBodyBytes = qint64(m_config.httpRequestLimitInMb * 1024 * 1024);
    m_httpOptions.bodyBudget = &shared.bodyBudget;
    connect(m_pusher.get(), &PusherServer::connectionCountChanged, this,
        [this](int count) { m_connections.store(count, std::memory_order_relaxed); });
}

ServerWorker::~ServerWorker()
{
    // HTTP connections (children) use the REST API and give their body reservations back: before they go.
    qDeleteAll(findChildren<HttpConnection *>(Qt::FindDirectChildrenOnly));
}

void ServerWorker::adoptSocket(qintptr descriptor)
{
    if (!m_tls) {
        auto *socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            qCWarning(lcServer) << "cannot take an accepted connection:" << socket->errorString();
            delete socket;
            return;
        }
        serve(socket);
        return;
    }
    auto *socket = new QSslSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        qCWarning(lcServer) << "cannot take an accepted connection:" << socket->errorString();
        delete socket;
        return;
    }
    socket->setSslConfiguration(*m_tls);
    auto *deadline = new QTimer(socket);
    deadline->setSingleShot(true);
    connect(deadline, &QTimer::timeout, socket, [socket] {
        qCDebug(lcServer) << "TLS handshake of" << socket->peerAddress().toString() << "took too long; dropped";
        socket->abort();
        socket->deleteLater();
    });
    connect(socket, &QSslSocket::encrypted, this, [this, socket, deadline] {
        delete deadline;
        disconnect(socket, nullptr, this, nullptr);
        serve(socket);
    });
    connect(socket, &QAbstractSocket::errorOccurred, this, [socket] { socket->deleteLater(); });
    connect(socket, &QSslSocket::sslErrors, this, [socket] { socket->deleteLater(); });
    deadline->start(kTlsHandshakeTimeoutMs);
    socket->startServerEncryption();
}

void ServerWorker::serve(QTcpSocket *socket)
{
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    new HttpConnection(socket, m_httpOptions,
        {
            [this](const HttpRequest &request, const HttpConnection::Responder &respond) {
                m_rest->handle(request, respond);
            },
            [this](QTcpSocket *upgraded) { m_pusher->adoptUpgrade(upgraded); },
            [this](const HttpRequest &head) { return m_precheck->check(head); },
        },
        this);
}

void ServerWorker::beginShutdown()
{
    m_pusher->beginShutdown();
}

} // namespace qsoketi
