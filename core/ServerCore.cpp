// SPDX-License-Identifier: GPL-3.0-or-later
#include "ServerCore.h"

#include <QDateTime>
#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>
#include <QTimer>

#include "ConnectionAcceptor.h"
#include "EventLoopThread.h"
#include "ServerWorker.h"
#include "adapter/ClusterView.h"
#include "adapter/WorkerGroup.h"
#include "apps/AppDirectory.h"
#include "channels/AppRateLimits.h"
#include "logging/LogCategories.h"
#include "metrics/MetricsRegistry.h"
#include "rest/BodyBudget.h"
#include "rest/MetricsEndpoint.h"
#include "rest/RestApi.h"
#include "rest/WebhookAdminApi.h"
#include "server/ActivityFeed.h"
#include "server/PusherServer.h"
#include "threading/ThreadHandOff.h"
#include "webhooks/WebhookSender.h"

#include <sched.h>

namespace qsoketi {

namespace {

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

int workerCountFor(const ServerConfig &config)
{
    return config.workers > 0 ? config.workers : ServerCore::availableCores();
}

} // namespace

int ServerCore::availableCores()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        return qMax(1, CPU_COUNT(&set));
    return qMax(1, QThread::idealThreadCount());
}

ServerCore::ServerCore(ServerConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_apps(m_config.apps)
    , m_metrics(std::make_unique<MetricsRegistry>(m_config.metrics, m_config.port))
    , m_directory(appDirectoryFor(m_config, *m_metrics))
    , m_activity(std::make_unique<ActivityFeed>())
    , m_webhooks(std::make_unique<WebhookSender>(WebhookSender::Options::fromConfig(m_config), *m_metrics))
    , m_rateLimits(std::make_unique<AppRateLimits>())
    , m_bodyBudget(std::make_unique<BodyBudget>(BodyBudget::defaultLimitFor(maxRequestBodyBytes(m_config))))
    , m_webhookAdmin(std::make_unique<WebhookAdminApi>(*m_webhooks, m_config.pathPrefix.toUtf8()))
    , m_metricsEndpoint(
          std::make_unique<MetricsEndpoint>(m_config, *m_metrics, [this] { return m_shuttingDown.load(); }))
{
    m_metricsEndpoint->setAdminRoutes([admin = m_webhookAdmin.get()](const HttpRequest &request,
                                          const QHostAddress &peer) { return admin->handle(request, peer); });
    const int workers = workerCountFor(m_config);
    // With a broker every worker is a node of the broker's cluster; otherwise the workers are a
    // cluster of their own, in process.
    const bool broker = m_config.adapter.driver != QLatin1String("local");
    if (workers > 1 && !broker)
        m_workerGroup = std::make_unique<WorkerGroup>();
    const ServerWorker::Shared shared{m_config, *m_directory, *m_metrics, *m_activity, *m_webhooks, *m_rateLimits,
        *m_bodyBudget, m_workerGroup.get(), m_tls};
    m_workers.resize(size_t(workers));
    m_workers[0] = std::make_unique<ServerWorker>(shared);
    for (int i = 1; i < workers; ++i) {
        auto &thread = m_threads.emplace_back(std::make_unique<EventLoopThread>(QStringLiteral("qsoketi w%1").arg(i)));
        thread->call([this, i, &shared] { m_workers[size_t(i)] = std::make_unique<ServerWorker>(shared); });
    }
    m_listener = std::make_unique<ConnectionAcceptor>([this](qintptr descriptor) { handOff(descriptor); });
    m_listener->setMaxPendingConnections(qMax(m_config.maxPendingConnections, 1024));
    m_listener->setListenBacklogSize(qMax(m_config.maxPendingConnections, 1024));
    connect(m_directory.get(), &AppDirectory::appChanged, m_webhooks.get(),
        [webhooks = m_webhooks.get()](const AppPtr &app) { webhooks->updateApp(*app); });
}

ServerCore::~ServerCore()
{
    m_listener.reset(); // nothing more is dealt out
    // Each worker goes on its own thread (its sockets and timers live there), then the threads stop.
    for (size_t i = 1; i < m_workers.size(); ++i)
        m_threads[i - 1]->call([this, i] { m_workers[i].reset(); });
    m_workers.clear();
    m_threads.clear();
}

void ServerCore::handOff(qintptr descriptor)
{
    ServerWorker *worker = m_workers[m_nextWorker].get();
    m_nextWorker = (m_nextWorker + 1) % m_workers.size();
    if (worker->thread() == thread()) {
        worker->adoptSocket(descriptor);
        return;
    }
    ThreadHandOff::post(
        worker, [worker, descriptor] { worker->adoptSocket(descriptor); }, Qt::QueuedConnection);
}

int ServerCore::connectionCount() const
{
    int total = 0;
    for (const auto &worker : m_workers)
        total += worker->connectionCount();
    return total;
}

PusherServer &ServerCore::pusher()
{
    return m_workers[0]->pusher();
}

const PusherServer &ServerCore::pusher() const
{
    return m_workers[0]->pusher();
}

ChannelService &ServerCore::channels()
{
    return m_workers[0]->pusher();
}

ClusterView &ServerCore::cluster()
{
    return m_workers[0]->pusher().cluster();
}

RestApi &ServerCore::rest()
{
    return m_workers[0]->rest();
}

bool ServerCore::start(QString *error)
{
    const QHostAddress address(
        m_config.host == QLatin1String("localhost") ? QStringLiteral("127.0.0.1") : m_config.host);
    if (address.isNull()) {
        *error = QStringLiteral("SOKETI_HOST \"%1\" is not an IP address.").arg(m_config.host);
        return false;
    }
    const bool tls = !m_config.sslCertPath.isEmpty() || !m_config.sslKeyPath.isEmpty();
    if (tls && !setUpTls(error))
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
    // A cluster connects in the background; the node works alone meanwhile.
    for (size_t i = 0; i < m_workers.size(); ++i) {
        ServerWorker *worker = m_workers[i].get();
        ThreadHandOff::post(
            worker, [worker] { worker->pusher().cluster().start(); },
            i == 0 ? Qt::DirectConnection : Qt::QueuedConnection);
    }
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
    m_tls = tlsConfig; // read by the workers when they take a socket, after start() returned
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

void ServerCore::shutdown()
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    qCInfo(lcServer) << "shutting down: closing" << connectionCount() << "connections, then waiting"
                     << m_config.shutdownGracePeriodMs << "ms";
    // The main port stays open through the grace period: load balancers read /ready (500 now) there,
    // and new WebSockets are refused with 4200 (reconnect elsewhere at once).
    m_webhooks->drain();
    for (size_t i = 0; i < m_workers.size(); ++i) {
        ServerWorker *worker = m_workers[i].get();
        ThreadHandOff::post(
            worker, [worker] { worker->beginShutdown(); }, i == 0 ? Qt::DirectConnection : Qt::QueuedConnection);
    }
    QTimer::singleShot(m_config.shutdownGracePeriodMs, m_metricsEndpoint.get(), &MetricsEndpoint::close);
    QTimer::singleShot(m_config.shutdownGracePeriodMs, this, [this] {
        m_listener->close();
        m_webhooks->abandon(); // logs what could not be sent in time
        emit stopped();
    });
}

} // namespace qsoketi
