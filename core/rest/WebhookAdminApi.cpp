// SPDX-License-Identifier: GPL-3.0-or-later
#include "rest/WebhookAdminApi.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>

#include "webhooks/WebhookSender.h"

namespace qsoketi {

namespace {

HttpResponse json(int status, const QJsonObject &body)
{
    return HttpResponse::json(status, QJsonDocument(body).toJson(QJsonDocument::Compact));
}

bool isLocal(const QHostAddress &peer)
{
    bool mapped = false;
    const quint32 v4 = peer.toIPv4Address(&mapped); // ::ffff:127.0.0.1 on a dual-stack listener
    return peer.isLoopback() || (mapped && QHostAddress(v4).isLoopback());
}

} // namespace

WebhookAdminApi::WebhookAdminApi(WebhookSender &sender, const QByteArray &pathPrefix)
    : m_sender(sender)
    , m_deliveriesPath(pathPrefix + "/webhooks/deliveries")
    , m_replayPath(pathPrefix + "/webhooks/replay")
{}

std::optional<HttpResponse> WebhookAdminApi::handle(const HttpRequest &request, const QHostAddress &peer) const
{
    const bool list = request.rawPath == m_deliveriesPath;
    const bool replaying = request.rawPath == m_replayPath;
    if (!list && !replaying)
        return std::nullopt;
    if (!isLocal(peer) || request.headers.contains("origin"))
        return HttpResponse::error(403,
            u"The webhook delivery log answers only clients on this machine, not web pages "
            u"(curl http://127.0.0.1:<metrics port>/webhooks/deliveries).");
    if (list) {
        if (request.method != "GET" && request.method != "HEAD")
            return HttpResponse::error(405, u"Use GET.");
        return deliveries(request);
    }
    if (request.method != "POST")
        return HttpResponse::error(405, u"Use POST.");
    return replay(request);
}

HttpResponse WebhookAdminApi::deliveries(const HttpRequest &request) const
{
    const QString appId = request.queryValue(u"app_id");
    const QString outcomeFilter = request.queryValue(u"outcome");
    const QStringList outcomes =
        outcomeFilter.isEmpty() ? QStringList() : outcomeFilter.split(u',', Qt::SkipEmptyParts);
    int limit = defaultLimit;
    if (request.hasQuery(u"limit")) {
        bool ok = false;
        limit = request.queryValue(u"limit").toInt(&ok);
        if (!ok || limit < 1)
            return HttpResponse::error(400, u"limit must be a positive integer.");
    }
    const QList<const DeliveryRecord *> records = m_sender.deliveryLog().records(appId);
    QJsonArray out;
    for (auto it = records.crbegin(); it != records.crend() && out.size() < limit; ++it) {
        const DeliveryRecord &record = **it;
        if (!outcomes.isEmpty() && !outcomes.contains(DeliveryRecord::outcomeName(record.outcome)))
            continue;
        out.append(record.toJson());
    }
    return json(200, {{QStringLiteral("deliveries"), out}});
}

HttpResponse WebhookAdminApi::replay(const HttpRequest &request) const
{
    bool ok = false;
    const quint64 id = request.queryValue(u"id").toULongLong(&ok);
    if (!ok || id == 0)
        return HttpResponse::error(400, u"Give the delivery to replay: POST /webhooks/replay?id=<id>.");
    const bool known = m_sender.deliveryLog().find(id) != nullptr;
    QString error;
    const quint64 replayed = m_sender.replay(id, &error);
    if (replayed == 0)
        return HttpResponse::error(known ? 409 : 404, error);
    return json(202, {{QStringLiteral("id"), qint64(replayed)}, {QStringLiteral("replay_of"), qint64(id)}});
}

} // namespace qsoketi
