// SPDX-License-Identifier: GPL-3.0-or-later
#include "rest/MetricsEndpoint.h"

#include <exception>

#include <QHostAddress>
#include <QHostInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTcpSocket>

#include "logging/LogCategories.h"
#include "metrics/EventLoopLagMonitor.h"
#include "metrics/MetricsRegistry.h"
#include "metrics/ProcessInfo.h"
#include "metrics/PrometheusJsonSerializer.h"
#include "metrics/PrometheusTextSerializer.h"
#include "rest/HttpConnection.h"

namespace qsoketi {

namespace {

const QByteArray jsonType = QByteArrayLiteral("application/json");
const QByteArray textType = QByteArrayLiteral("text/plain; charset=utf-8");

// HttpConnection adds soketi's CORS headers (spec §5.3 and §2.3 cors.*) to every answer.
HttpResponse reply(int status, const QByteArray &body, const QByteArray &contentType)
{
    return HttpResponse{status, contentType, body, {}};
}

HttpResponse replyJson(const QJsonObject &object, int status = 200)
{
    return reply(status, QJsonDocument(object).toJson(QJsonDocument::Compact), jsonType);
}

QJsonObject errorBody(const QString &message, int code)
{
    return {{QStringLiteral("error"), message}, {QStringLiteral("code"), code}};
}

QJsonObject usageBody()
{
    const double used = double(ProcessInfo::residentMemoryBytes().value_or(0));
    const double total = double(ProcessInfo::physicalMemoryBytes().value_or(0));
    const QJsonObject memory{
        {QStringLiteral("free"), total - used},
        {QStringLiteral("used"), used},
        {QStringLiteral("total"), total},
        {QStringLiteral("percent"), total > 0 ? used / total * 100 : 0},
    };
    return {{QStringLiteral("memory"), memory}};
}

QString listenFailure(QAbstractSocket::SocketError error, const QString &detail)
{
    switch (error) {
    case QAbstractSocket::AddressInUseError:
        return QStringLiteral("address in use; set SOKETI_METRICS_SERVER_PORT");
    case QAbstractSocket::SocketAccessError:
        return QStringLiteral("permission denied; set SOKETI_METRICS_SERVER_PORT");
    case QAbstractSocket::SocketAddressNotAvailableError:
        return QStringLiteral("address not available on this machine; set SOKETI_METRICS_HOST");
    default:
        return detail.toLower() + QStringLiteral("; check SOKETI_METRICS_HOST and SOKETI_METRICS_SERVER_PORT");
    }
}

} // namespace

MetricsEndpoint::MetricsEndpoint(
    const ServerConfig &config, MetricsRegistry &registry, std::function<bool()> isClosing, QObject *parent)
    : QObject(parent)
    , m_pathPrefix(config.pathPrefix.toUtf8())
    , m_host(config.metrics.host)
    , m_configuredPort(config.metrics.port)
    , m_metricsEnabled(config.metrics.enabled)
    , m_registry(registry)
    , m_isClosing(std::move(isClosing))
    , m_lagMonitor(new EventLoopLagMonitor(registry.processMetrics(), 500, this))
{}

MetricsEndpoint::~MetricsEndpoint() = default;

bool MetricsEndpoint::listen(QString *error)
{
    const auto fail = [&](const QString &reason) {
        const QString message = QStringLiteral("cannot listen on %1:%2 for metrics: %3")
                                    .arg(m_host, QString::number(m_configuredPort), reason);
        if (error)
            *error = message;
        return false;
    };

    QHostAddress address;
    if (!address.setAddress(m_host)) {
        const QHostInfo info = QHostInfo::fromName(m_host); // once, at start-up
        if (info.addresses().isEmpty())
            return fail(QStringLiteral("unknown host; set SOKETI_METRICS_HOST"));
        address = info.addresses().constFirst();
    }

    auto *tcpServer = new QTcpServer(this);
    if (!tcpServer->listen(address, m_configuredPort)) {
        const QString reason = listenFailure(tcpServer->serverError(), tcpServer->errorString());
        delete tcpServer;
        return fail(reason);
    }
    m_listener = tcpServer;
    m_port = tcpServer->serverPort();
    connect(tcpServer, &QTcpServer::pendingConnectionAvailable, this, &MetricsEndpoint::onNewConnection);
    qCInfo(lcMetrics, "Metrics server listening on %s:%u%s", qUtf8Printable(m_host), unsigned(m_port),
        m_metricsEnabled ? " (/metrics enabled)" : "");
    return true;
}

void MetricsEndpoint::close()
{
    if (m_listener)
        m_listener->close();
}

void MetricsEndpoint::onNewConnection()
{
    HttpConnection::Options options;
    options.limits.maxHeaderBytes = maxHeaderBytes;
    options.limits.maxBodyBytes = maxBodyBytes;
    while (QTcpSocket *socket = m_listener->nextPendingConnection()) {
        // No upgrade handler: nothing here speaks WebSocket, so upgrades get 404 and the connection closes.
        HttpConnection::Handlers handlers;
        handlers.request = [this, peer = socket->peerAddress()](const HttpRequest &request,
                               const HttpConnection::Responder &respond) { respond(handle(request, peer)); };
        new HttpConnection(socket, options, std::move(handlers), this);
    }
}

QByteArray MetricsEndpoint::route(const char *path) const
{
    return m_pathPrefix + path;
}

HttpResponse MetricsEndpoint::handle(const HttpRequest &request, const QHostAddress &peer) const
{
    const QByteArray &path = request.rawPath;
    if (m_adminRoutes) {
        if (std::optional<HttpResponse> answer = m_adminRoutes(request, peer))
            return *answer;
    }
    if (request.method != "GET" && request.method != "HEAD") // HEAD: the same answer without its body
        return reply(404, {}, textType);

    if (path == route("/") || (!m_pathPrefix.isEmpty() && path == m_pathPrefix))
        return reply(200, QByteArrayLiteral("OK"), textType);
    if (path == route("/ready")) {
        if (m_isClosing && m_isClosing())
            return replyJson(errorBody(QStringLiteral("The server is closing. Choose another server. :)"), 500), 500);
        return reply(200, QByteArrayLiteral("OK"), textType);
    }
    if (path == route("/usage"))
        return replyJson(usageBody());
    if (m_metricsEnabled && path == route("/metrics")) {
        try {
            const MetricsSnapshot snapshot = m_registry.collect();
            if (!request.queryValue(u"json").isEmpty())
                return reply(200, PrometheusJsonSerializer::serialize(snapshot), jsonType);
            return reply(
                200, PrometheusTextSerializer::serialize(snapshot), QByteArray(PrometheusTextSerializer::contentType));
        } catch (const std::exception &e) {
            qCWarning(lcMetrics, "Collecting metrics failed: %s", e.what());
            return replyJson(errorBody(QStringLiteral("A server error has occurred."), 500), 500);
        }
    }
    return reply(404, {}, textType);
}

} // namespace qsoketi
