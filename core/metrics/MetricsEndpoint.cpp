// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/MetricsEndpoint.h"

#include <exception>

#include <QHostAddress>
#include <QHostInfo>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QUrlQuery>
#include <QWebSocket>

#include "logging/LogCategories.h"
#include "metrics/EventLoopLagMonitor.h"
#include "metrics/MetricsRegistry.h"
#include "metrics/ProcessInfo.h"
#include "metrics/PrometheusJsonSerializer.h"
#include "metrics/PrometheusTextSerializer.h"

namespace qsoketi {

namespace {

using Status = QHttpServerResponder::StatusCode;

const QByteArray jsonType = QByteArrayLiteral("application/json");
const QByteArray textType = QByteArrayLiteral("text/plain; charset=utf-8");

// soketi's CORS headers (spec §5.3 and §2.3 cors.*), on every answer of this server.
void reply(QHttpServerResponder &responder, const QByteArray &body, const QByteArray &contentType, Status status)
{
    responder.write(body,
        {
            {QByteArrayLiteral("Content-Type"), contentType},
            {QByteArrayLiteral("Access-Control-Allow-Origin"), QByteArrayLiteral("*")},
            {QByteArrayLiteral("Access-Control-Allow-Methods"), QByteArrayLiteral("GET, POST, PUT, DELETE, OPTIONS")},
            {QByteArrayLiteral("Access-Control-Allow-Headers"),
                QByteArrayLiteral("Origin, Content-Type, X-Auth-Token, X-Requested-With, Accept, "
                                  "Authorization, X-CSRF-TOKEN, XSRF-TOKEN, X-Socket-Id")},
        },
        status);
}

void replyJson(QHttpServerResponder &responder, const QJsonObject &object, Status status = Status::Ok)
{
    reply(responder, QJsonDocument(object).toJson(QJsonDocument::Compact), jsonType, status);
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
{
    // No routes: one handler matches exact paths itself, so 404s get the CORS headers too and a path
    // prefix is compared as text (never turned into a route pattern).
    m_server.setMissingHandler([this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
        handle(request, std::move(responder));
    });
    // QHttpServer 6.4 accepts any WebSocket upgrade by itself; nothing on this port speaks WebSocket.
    connect(&m_server, &QAbstractHttpServer::newWebSocketConnection, this, [this] {
        while (m_server.hasPendingWebSocketConnections())
            m_server.nextPendingWebSocketConnection()->abort();
    });
}

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
    m_port = tcpServer->serverPort();
    m_server.bind(tcpServer); // takes ownership
    qCInfo(lcMetrics, "Metrics server listening on %s:%u%s", qUtf8Printable(m_host), unsigned(m_port),
        m_metricsEnabled ? " (/metrics enabled)" : "");
    return true;
}

void MetricsEndpoint::close()
{
    for (QTcpServer *server : m_server.servers())
        server->close();
}

QByteArray MetricsEndpoint::route(const char *path) const
{
    return m_pathPrefix + path;
}

void MetricsEndpoint::handle(const QHttpServerRequest &request, QHttpServerResponder &&responder)
{
    const QByteArray path = request.url().path(QUrl::FullyEncoded).toUtf8();
    if (request.method() != QHttpServerRequest::Method::Get) {
        reply(responder, {}, textType, Status::NotFound);
        return;
    }

    if (path == route("/") || (!m_pathPrefix.isEmpty() && path == m_pathPrefix)) {
        reply(responder, QByteArrayLiteral("OK"), textType, Status::Ok);
    } else if (path == route("/ready")) {
        if (m_isClosing && m_isClosing())
            replyJson(responder, errorBody(QStringLiteral("The server is closing. Choose another server. :)"), 500),
                Status::InternalServerError);
        else
            reply(responder, QByteArrayLiteral("OK"), textType, Status::Ok);
    } else if (path == route("/usage")) {
        replyJson(responder, usageBody());
    } else if (m_metricsEnabled && path == route("/metrics")) {
        try {
            const MetricsSnapshot snapshot = m_registry.collect();
            if (!request.query().queryItemValue(QStringLiteral("json")).isEmpty())
                reply(responder, PrometheusJsonSerializer::serialize(snapshot), jsonType, Status::Ok);
            else
                reply(responder, PrometheusTextSerializer::serialize(snapshot),
                    QByteArray(PrometheusTextSerializer::contentType), Status::Ok);
        } catch (const std::exception &e) {
            qCWarning(lcMetrics, "Collecting metrics failed: %s", e.what());
            replyJson(
                responder, errorBody(QStringLiteral("A server error has occurred."), 500), Status::InternalServerError);
        }
    } else {
        reply(responder, {}, textType, Status::NotFound);
    }
}

} // namespace qsoketi
