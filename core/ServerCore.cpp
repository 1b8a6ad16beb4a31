// SPDX-License-Identifier: GPL-3.0-or-later
#include "ServerCore.h"

#include <QDateTime>
#include <QFile>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include "adapter/BrokerClusterView.h"
#include "adapter/LocalClusterView.h"
#include "adapter/NatsAdapter.h"
#include "adapter/RedisAdapter.h"
#include "apps/AppDirectory.h"
#include "logging/LogCategories.h"
#include "metrics/MetricsRegistry.h"
#include "rest/BodyBudget.h"
#include "rest/HttpConnection.h"
#include "rest/MetricsEndpoint.h"
#include "rest/RequestPrecheck.h"
#include "rest/RestApi.h"
#include "rest/WebhookAdminApi.h"
#include "server/ActivityFeed.h"
#include "server/PusherServer.h"
#include "webhooks/WebhookSender.h"

namespace qsoketi {

namespace {

// The one place that knows whether this node is alone or one of a cluster.
std::unique_ptr<ClusterView> clusterViewFor(const ServerConfig &config, MetricsRegistry &metrics)
{
    const QString &driver = config.adapter.driver;
    if (driver == QLatin1String("redis"))
        return std::make_unique<BrokerClusterView>(driver, new RedisAdapter(config.adapter, metrics));
    if (driver == QLatin1String("nats"))
        return std::make_unique<BrokerClusterView>(driver, new NatsAdapter(config.adapter, metrics));
    return std::make_unique<LocalClusterView>();
}

std::unique_ptr<AppDirectory> appDirectoryFor(const ServerConfig &config, MetricsRegistry &metrics)
{
    // The app_store_* series exist only where there is a store to describe.
    const bool database = config.appStore.driver != AppStoreConfig::Driver::Array;
    AppStoreConfig store = config.appStore;
    if (!database)
        store.arrayApps = config.apps; // ServerConfig::apps is what the array driver serves
    return std::make_unique<AppDirectory>(store, database ? metrics.appStore() : AppStoreMetrics{});
}

qint64 maxRequestBodyBytes(const ServerConfig &config)
{
    return qint64(config.httpRequestLimitInMb * 1024 * 1024);
}

} // namespace

ServerCore::ServerCore(ServerConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_apps(m_config.apps)
    , m_metrics(std::make_unique<MetricsRegistry>(m_config.metrics, m_config.port))
    , m_directory(appDirectoryFor(m_config, *m_metrics))
    , m_activity(std::make_unique<ActivityFeed>())
    , m_webhooks(std::make_unique<WebhookSender>(WebhookSender::Options::fromConfig(m_config), *m_metrics))
    , m_pusher(std::make_unique<PusherServer>(
          m_config, *m_directory, *m_metrics, *m_activity, *m_webhooks, clusterViewFor(m_config, *m_metrics)))
    , m_rest(std::make_unique<RestApi>(m_config, *m_directory, *m_pusher))
    , m_precheck(std::make_unique<RequestPrecheck>(m_config, *m_directory))
    , m_bodyBudget(std::make_unique<BodyBudget>(BodyBudget::defaultLimitFor(maxRequestBodyBytes(m_config))))
    , m_webhookAdmin(std::make_unique<WebhookAdminApi>(*m_webhooks, m_config.pathPrefix.toUtf8()))
    , m_metricsEndpoint(
          std::make_unique<MetricsEndpoint>(m_config, *m_metrics, [this] { return m_pusher && m_pusher->isClosing(); }))
{
    m_metricsEndpoint->setAdminRoutes([admin = m_webhookAdmin.get()](const HttpRequest &request,
                                          const QHostAddress &peer) { return admin->handle(request, peer); });
    const bool tls = !m_config.sslCertPath.isEmpty() || !m_config.sslKeyPath.isEmpty();
    if (tls)
        m_listener = std::make_unique<QSslServer>();
    else
        m_listener = std::make_unique<QTcpServer>();
    m_listener->setMaxPendingConnections(qMax(m_config.maxPendingConnections, 1024));
    m_listener->setListenBacklogSize(qMax(m_config.maxPendingConnections, 1024));
    connect(m_listener.get(), &QTcpServer::pendingConnectionAvailable, this, &ServerCore::onNewConnection);
    connect(m_directory.get(), &AppDirectory::appChanged, m_webhooks.get(),
        [webhooks = m_webhooks.get()](const AppPtr &app) { webhooks->updateApp(*app); });
}

ServerCore::~ServerCore()
{
    // HTTP connections (children) give their body reservations back to m_bodyBudget: before it goes.
    qDeleteAll(findChildren<HttpConnection *>(Qt::FindDirectChildrenOnly));
}

ChannelService &ServerCore::channels()
{
    return *m_pusher;
}

ClusterView &ServerCore::cluster()
{
    return m_pusher->cluster();
}

bool ServerCore::start(QString *error)
{
    const QHostAddress address(
        m_config.host == QLatin1String("localhost") ? QStringLiteral("127.0.0.1") : m_config.host);
    if (address.isNull()) {
        *error = QStringLiteral("SOKETI_HOST \"%1\" is not an IP address.").arg(m_config.host);
        return false;
    }
    if (auto *sslServer = qobject_cast<QSslServer *>(m_listener.get()); sslServer && !setUpTls(error))
        return false;
    if (!m_listener->listen(address, m_config.port)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3; choose another port with SOKETI_PORT")
                     .arg(m_config.host)
                     .arg(m_config.port)
                     .arg(m_listener->errorString());
        return false;
    }
    // soketi always starts the metrics listener; /metrics itself exists only when metrics are enabled.
    if (!m_metricsEndpoint->listen(error)) {
        m_listener->close();
        return false;
    }
    m_startedAtMs = QDateTime::currentMSecsSinceEpoch();
    if (m_directory->isWritable())
        qCInfo(lcServer).noquote() << "apps are read from" << m_directory->description();
    m_pusher->cluster().start(); // a cluster connects in the background; the node works alone meanwhile
    return true;
}

bool ServerCore::setUpTls(QString *error)
{
    if (!QSslSocket::supportsSsl()) {
        *error = QStringLiteral(
            "TLS was asked for (SOKETI_SSL_CERT/SOKETI_SSL_KEY) but no TLS backend is available; install libssl3");
        return false;
    }
    const QList<QSslCertificate> certificates = QSslCertificate::fromPath(m_config.sslCertPath, QSsl::Pem);
    if (certificates.isEmpty()) {
        *error = QStringLiteral("SOKETI_SSL_CERT: no PEM certificate could be read from %1").arg(m_config.sslCertPath);
        return false;
    }
    QFile keyFile(m_config.sslKeyPath);
    if (!keyFile.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("SOKETI_SSL_KEY: cannot read %1: %2").arg(m_config.sslKeyPath, keyFile.errorString());
        return false;
    }
    const QByteArray keyPem = keyFile.readAll();
    const QByteArray passphrase = m_config.sslPassphrase.toUtf8();
    QSslKey key;
    for (QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
        key = QSslKey(keyPem, algorithm, QSsl::Pem, QSsl::PrivateKey, passphrase);
        if (!key.isNull())
            break;
    }
    if (key.isNull()) {
        *error = QStringLiteral("SOKETI_SSL_KEY: %1 is not a PEM private key (or SOKETI_SSL_PASS is wrong)")
                     .arg(m_config.sslKeyPath);
        return false;
    }
    QList<QSslCertificate> chain = certificates;
    if (!m_config.sslCaPath.isEmpty())
        chain += QSslCertificate::fromPath(m_config.sslCaPath, QSsl::Pem);
    QSslConfiguration tlsConfig = QSslConfiguration::defaultConfiguration();
    tlsConfig.setLocalCertificateChain(chain);
    tlsConfig.setPrivateKey(key);
    tlsConfig.setPeerVerifyMode(QSslSocket::VerifyNone); // clients are not asked for certificates
    auto *sslServer = static_cast<QSslServer *>(m_listener.get());
    sslServer->setSslConfiguration(tlsConfig);
    sslServer->setHandshakeTimeout(10000);
    return true;
}

quint16 ServerCore::port() const
{
    return m_listener->serverPort();
}

quint16 ServerCore::metricsPort() const
{
    return m_metricsEndpoint->port();
}

void ServerCore::onNewConnection()
{
    HttpConnection::Options options;
    options.pathPrefix = m_config.pathPrefix;
    options.limits.maxBodyBytes = maxRequestBodyBytes(m_config);
    options.bodyBudget = m_bodyBudget.get();
    while (QTcpSocket *socket = m_listener->nextPendingConnection()) {
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        new HttpConnection(socket, options,
            {
                [this](const HttpRequest &request, const HttpConnection::Responder &respond) {
                    m_rest->handle(request, respond);
                },
                [this](QTcpSocket *upgraded) { m_pusher->adoptUpgrade(upgraded); },
                [this](const HttpRequest &head) { return m_precheck->check(head); },
            },
            this);
    }
}

void ServerCore::shutdown()
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    qCInfo(lcServer) << "shutting down: closing" << m_pusher->connectionCount() << "connections, then waiting"
                     << m_config.shutdownGracePeriodMs << "ms";
    // The main port stays open through the grace period: load balancers read /ready (500 now) there,
    // and new WebSockets are refused with 4200 (reconnect elsewhere at once).
    m_webhooks->drain();
    m_pusher->beginShutdown();
    QTimer::singleShot(m_config.shutdownGracePeriodMs, m_metricsEndpoint.get(), &MetricsEndpoint::close);
    QTimer::singleShot(m_config.shutdownGracePeriodMs, this, [this] {
        m_listener->close();
        m_webhooks->abandon(); // logs what could not be sent in time
        emit stopped();
    });
}

} // namespace qsoketi
