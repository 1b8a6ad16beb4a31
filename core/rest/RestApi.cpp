// SPDX-License-Identifier: GPL-3.0-or-later
#include "rest/RestApi.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include "apps/AppDirectory.h"
#include "apps/AppSecrets.h"
#include "auth/RestRequestVerifier.h"
#include "channels/AppState.h"
#include "channels/ChannelService.h"
#include "channels/RedisRateLimiter.h"
#include "config/ServerConfig.h"
#include "logging/LogCategories.h"
#include "metrics/ProcessInfo.h"
#include "protocol/ChannelName.h"
#include "protocol/MessageCodec.h"
#include "rest/ChannelAttributes.h"

#include <prometheus/counter.h>

namespace qsoketi {

namespace {

QByteArray toJson(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

HttpResponse incorrect()
{
    return HttpResponse::error(400, u"The received data is incorrect");
}

HttpResponse closing()
{
    return HttpResponse::error(500, u"The server is closing. Choose another server. :)");
}

QStringList infoAttributes(const QJsonObject &event)
{
    return event.value(QLatin1String("info")).toString().split(QLatin1Char(','), Qt::SkipEmptyParts);
}

} // namespace

RestApi::RestApi(const ServerConfig &config, AppDirectory &apps, ChannelService &channels)
    : m_config(config)
    , m_apps(apps)
    , m_channels(channels)
{}

void RestApi::handle(const HttpRequest &request, Responder respond)
{
    QString path = request.path;
    if (!m_config.pathPrefix.isEmpty()) {
        if (!path.startsWith(m_config.pathPrefix))
            return respond(HttpResponse::error(404, u"Not found."));
        path = path.mid(m_config.pathPrefix.size());
    }
    if (auto health = handleHealth(request, path))
        return respond(*health);
    const QStringList parts = path.split(QLatin1Char('/'));
    // "", "apps", id, ...
    if (parts.size() >= 4 && parts[0].isEmpty() && parts[1] == QLatin1String("apps"))
        return handleApp(request, parts[2], parts.mid(3), std::move(respond));
    respond(HttpResponse::error(404, u"Not found."));
}

std::optional<HttpResponse> RestApi::handleHealth(const HttpRequest &request, const QString &path) const
{
    if (request.method == "OPTIONS")
        return HttpResponse{204, QByteArrayLiteral("text/plain"), {}, {}};
    if (request.method != "GET" && request.method != "HEAD") // HEAD: the same answer without its body
        return std::nullopt;
    if (path == QLatin1String("/") || path.isEmpty())
        return HttpResponse::text(200, "OK");
    if (path == QLatin1String("/ready"))
        return m_channels.isClosing() ? closing() : HttpResponse::text(200, "OK");
    if (path == QLatin1String("/accept-traffic"))
        return memoryResponse(true);
    if (path == QLatin1String("/usage"))
        return memoryResponse(false);
    return std::nullopt;
}

HttpResponse RestApi::memoryResponse(bool acceptTraffic) const
{
    // The same figures as the metrics port's /usage (one reader of /proc for both).
    const double used = double(ProcessInfo::residentMemoryBytes().value_or(0));
    const double total = double(ProcessInfo::physicalMemoryBytes().value_or(0));
    const double percent = total > 0 ? 100.0 * used / total : 0.0;
    if (acceptTraffic) {
        if (m_channels.isClosing())
            return closing();
        if (percent > m_config.acceptTrafficMemoryThreshold)
            return HttpResponse::error(500, u"Low on memory here. Choose another server. :)");
        return HttpResponse::json(200,
            toJson({{QStringLiteral("memory"),
                QJsonObject{{QStringLiteral("usedSize"), used}, {QStringLiteral("totalSize"), total},
                    {QStringLiteral("percentUsage"), percent}}}}));
    }
    return HttpResponse::json(200,
        toJson({{QStringLiteral("memory"),
            QJsonObject{{QStringLiteral("free"), total - used}, {QStringLiteral("used"), used},
                {QStringLiteral("total"), total}, {QStringLiteral("percent"), percent}}}}));
}

void RestApi::handleApp(const HttpRequest &request, const QString &appId, const QStringList &rest, Responder respond)
{
    // The request is copied into the callback: a store may answer after this call returns.
    m_apps.findById(appId, [this, request, appId, rest, respond = std::move(respond)](AppPtr app) {
        if (!app) {
            if (!m_apps.storeReachable())
                return respond(HttpResponse::error(503, u"The app store is unreachable; try again later."));
            return respond(HttpResponse::error(404, QStringLiteral("The app %1 could not be found.").arg(appId)));
        }
        const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
        std::optional<RestRequestVerifier::Failure> failure;
        // During a rotation's grace period the replaced secret still signs (the first failure is the answer).
        for (const QByteArray &secret : AppSecrets::accepted(*app, nowMs)) {
            auto attempt = RestRequestVerifier::verify(request.method, QString::fromUtf8(request.rawPath),
                request.query, request.body, app->key, secret, nowMs / 1000);
            if (!attempt) {
                failure.reset();
                break;
            }
            if (!failure)
                failure = std::move(attempt);
        }
        if (failure) {
            RestRequestVerifier::logRefusal(
                request.method, request.path, failure->status, failure->message, failure->signedString);
            return respond(HttpResponse::error(failure->status, failure->message));
        }
        if (!app->enabled) {
            RestRequestVerifier::logRefusal(
                request.method, request.path, 403, QStringLiteral("The app is not enabled."));
            return respond(HttpResponse::error(403, u"The app is not enabled."));
        }
        handleSigned(m_channels.appStateFor(app), request, rest, respond);
    });
}

void RestApi::handleSigned(AppState &state, const HttpRequest &request, const QStringList &rest, Responder respond)
{
    const bool get = request.method == "GET";
    const bool post = request.method == "POST";
    if (post && rest.size() == 3 && rest[0] == QLatin1String("users")
        && rest[2] == QLatin1String("terminate_connections")) {
        m_channels.terminateUserConnections(state, rest[1]);
        return respond(HttpResponse::json(200, "{\"ok\":true}")); // soketi does not count this route
    }
    // soketi's http metrics count successful answers only.
    const qsizetype requestBytes = request.body.size();
    Responder counted = [&state, requestBytes, respond = std::move(respond)](const HttpResponse &response) {
        if (response.status == 200) {
            state.metrics().httpCallsReceived->Increment();
            state.metrics().httpReceivedBytes->Increment(double(requestBytes));
            state.metrics().httpTransmittedBytes->Increment(double(response.body.size()));
        }
        respond(response);
    };
    if (get && rest.size() >= 1 && rest.size() <= 3 && rest[0] == QLatin1String("channels")) {
        if (rest.size() == 3 && rest[2] != QLatin1String("users"))
            return counted(HttpResponse::error(404, u"Not found."));
        return spend(state, Budget::ReadRequests, 1, counted, [this, &state, request, rest, counted] {
            if (rest.size() == 1)
                return channels(state, request, counted);
            if (rest.size() == 2)
                return channel(state, rest[1], counted);
            users(state, rest[1], counted);
        });
    } else if (post
        && (rest == QStringList{QStringLiteral("events")} || rest == QStringList{QStringLiteral("batch_events")})) {
        // Nobody is left to receive an event once shutdown has begun: say so rather than "ok".
        if (m_channels.isClosing())
            return counted(HttpResponse::error(503, u"The server is closing. Choose another server. :)"));
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(request.body, &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject())
            return counted(incorrect());
        if (rest[0] == QLatin1String("events"))
            return trigger(state, doc.object(), std::move(counted));
        return batch(state, doc.object(), std::move(counted));
    }
    counted(HttpResponse::error(404, u"Not found."));
}

std::optional<HttpResponse> RestApi::validateEvent(
    AppState &state, const QJsonObject &event, QStringList *channels) const
{
    const App &app = state.app();
    const QJsonValue name = event.value(QLatin1String("name"));
    const QJsonValue data = event.value(QLatin1String("data"));
    const QJsonValue channelsValue = event.value(QLatin1String("channels"));
    const QJsonValue channelValue = event.value(QLatin1String("channel"));
    if (!name.isString() || data.isUndefined() || (!channelsValue.isArray() && !channelValue.isString()))
        return incorrect();
    if (channelsValue.isArray()) {
        for (const QJsonValue &c : channelsValue.toArray()) {
            if (!c.isString() || c.toString().isEmpty())
                return incorrect();
            channels->append(c.toString());
        }
    } else if (!channelValue.toString().isEmpty()) {
        channels->append(channelValue.toString());
    }
    if (channels->isEmpty())
        return incorrect();
    if (channels->size() > app.maxEventChannelsAtOnce)
        return HttpResponse::error(
            400, QStringLiteral("Cannot broadcast to more than %1 channels at once").arg(app.maxEventChannelsAtOnce));
    if (name.toString().size() > app.maxEventNameLength)
        return HttpResponse::error(
            400, QStringLiteral("Event name is too long. Maximum allowed size is %1.").arg(app.maxEventNameLength));
    if (MessageCodec::payloadSize(data) > app.maxEventPayloadInKb * 1024)
        return HttpResponse::error(
            413, QStringLiteral("The event data should be less than %1 KB.").arg(app.maxEventPayloadInKb));
    const QJsonValue socketId = event.value(QLatin1String("socket_id"));
    if (!socketId.isUndefined() && !socketId.isNull() && !socketId.isString())
        return incorrect();
    return std::nullopt;
}

void RestApi::trigger(AppState &state, const QJsonObject &body, Responder respond)
{
    const int points = qMax<int>(1, int(body.value(QLatin1String("channels")).toArray().size()));
    spend(state, Budget::BackendEvents, points, respond,
        [this, &state, body, respond] { triggerAllowed(state, body, respond); });
}

void RestApi::triggerAllowed(AppState &state, const QJsonObject &body, const Responder &respond)
{
    QStringList channelNames;
    if (auto error = validateEvent(state, body, &channelNames))
        return respond(*error);
    const QString name = body.value(QLatin1String("name")).toString();
    const QByteArray data = MessageCodec::jsonValue(body.value(QLatin1String("data")));
    const QString except = body.value(QLatin1String("socket_id")).toString();
    for (const QString &channel : std::as_const(channelNames))
        m_channels.publish(state, channel, name, data, except);

    const QStringList attributes = infoAttributes(body);
    if (attributes.isEmpty())
        return respond(HttpResponse::json(200, "{\"ok\":true}"));
    // Pusher's `info` on trigger: attributes of each channel, over the cluster, right after publishing.
    m_channels.clusterChannels(state, channelNames,
        [channelNames, attributes, respond = std::move(respond)](const QHash<QString, ClusterChannel> &all) {
            QJsonObject channelsInfo;
            for (const QString &channel : channelNames)
                channelsInfo.insert(channel, ChannelAttributes::requested(channel, all.value(channel), attributes));
            respond(HttpResponse::json(
                200, toJson({{QStringLiteral("ok"), true}, {QStringLiteral("channels"), channelsInfo}})));
        });
}

void RestApi::batch(AppState &state, const QJsonObject &body, Responder respond)
{
    const QJsonValue batchValue = body.value(QLatin1String("batch"));
    if (!batchValue.isArray())
        return respond(incorrect());
    const QJsonArray items = batchValue.toArray();
    if (items.size() > state.app().maxEventBatchSize)
        return respond(HttpResponse::error(
            400, QStringLiteral("Cannot batch-send more than %1 messages at once").arg(state.app().maxEventBatchSize)));
    int points = 0;
    QList<QStringList> channelLists;
    for (const QJsonValue &item : items) {
        if (!item.isObject())
            return respond(incorrect());
        QStringList channelNames;
        if (auto error = validateEvent(state, item.toObject(), &channelNames))
            return respond(*error); // one bad item rejects the whole batch: nothing is sent
        points += int(channelNames.size());
        channelLists.append(channelNames);
    }
    spend(state, Budget::BackendEvents, qMax(points, 1), respond,
        [this, &state, items, channelLists, respond] { batchAllowed(state, items, channelLists, respond); });
}

void RestApi::batchAllowed(
    AppState &state, const QJsonArray &items, const QList<QStringList> &channelLists, const Responder &respond)
{
    QList<QStringList> attributes; // per item
    QStringList infoChannels; // the first channel of each item that asks for info
    for (qsizetype i = 0; i < items.size(); ++i) {
        const QJsonObject item = items[i].toObject();
        const QString name = item.value(QLatin1String("name")).toString();
        const QByteArray data = MessageCodec::jsonValue(item.value(QLatin1String("data")));
        const QString except = item.value(QLatin1String("socket_id")).toString();
        for (const QString &channel : std::as_const(channelLists[i]))
            m_channels.publish(state, channel, name, data, except);
        attributes.append(infoAttributes(item));
        if (!attributes.last().isEmpty() && !infoChannels.contains(channelLists[i].first()))
            infoChannels.append(channelLists[i].first());
    }
    if (infoChannels.isEmpty())
        return respond(HttpResponse::json(200, "{\"ok\":true}"));
    m_channels.clusterChannels(state, infoChannels,
        [channelLists, attributes, respond = std::move(respond)](const QHash<QString, ClusterChannel> &all) {
            QJsonArray answers;
            for (qsizetype i = 0; i < channelLists.size(); ++i) {
                const QString &channel = channelLists[i].first();
                answers.append(attributes[i].isEmpty()
                        ? QJsonObject{}
                        : ChannelAttributes::requested(channel, all.value(channel), attributes[i]));
            }
            respond(
                HttpResponse::json(200, toJson({{QStringLiteral("ok"), true}, {QStringLiteral("batch"), answers}})));
        });
}

void RestApi::channels(AppState &state, const HttpRequest &request, Responder respond)
{
    const QString prefix = request.queryValue(u"filter_by_prefix");
    const bool withUserCount =
        request.queryValue(u"info").split(QLatin1Char(','), Qt::SkipEmptyParts).contains(QLatin1String("user_count"));
    m_channels.clusterChannels(
        state, [prefix, withUserCount, respond = std::move(respond)](const QHash<QString, ClusterChannel> &all) {
            QJsonObject result;
            for (auto it = all.cbegin(); it != all.cend(); ++it) {
                const QString &name = it.key();
                if ((!prefix.isEmpty() && !name.startsWith(prefix)) || name.startsWith(QLatin1Char('#'))
                    || it->subscriptionCount == 0)
                    continue;
                result.insert(name, ChannelAttributes::listed(name, *it, withUserCount));
            }
            respond(HttpResponse::json(200, toJson({{QStringLiteral("channels"), result}})));
        });
}

void RestApi::channel(AppState &state, const QString &name, Responder respond)
{
    m_channels.clusterChannel(state, name, [name, respond = std::move(respond)](const ClusterChannel &ch) {
        respond(HttpResponse::json(200, toJson(ChannelAttributes::single(name, ch))));
    });
}

void RestApi::users(AppState &state, const QString &name, Responder respond)
{
    if (!ChannelName::isPresence(name))
        return respond(HttpResponse::error(400, u"The channel must be a presence channel."));
    m_channels.clusterChannel(state, name, [respond = std::move(respond)](const ClusterChannel &ch) {
        respond(HttpResponse::json(200, toJson({{QStringLiteral("users"), ChannelAttributes::users(ch)}})));
    });
}

void RestApi::spend(AppState &state, Budget budget, int points, const Responder &respond, std::function<void()> allowed)
{
    const App &app = state.app();
    const int limit = budget == Budget::BackendEvents ? app.maxBackendEventsPerSecond : app.maxReadRequestsPerSecond;
    RedisRateLimiter *shared = m_channels.sharedRateLimiter();
    if (!shared || limit < 0) {
        SharedRateLimiter &local = budget == Budget::BackendEvents ? state.backendEvents() : state.readRequests();
        if (!local.consume(limit, points, QDateTime::currentMSecsSinceEpoch()))
            return respond(HttpResponse::error(429, u"Too many requests."));
        return allowed();
    }
    const QByteArray key = budget == Budget::BackendEvents ? RedisRateLimiter::backendEventsKey(app.id)
                                                           : RedisRateLimiter::readRequestsKey(app.id);
    shared->consume(
        key, limit, points, [respond, allowed = std::move(allowed)](const RedisRateLimiter::Verdict &verdict) {
            if (verdict.allowed)
                return allowed();
            HttpResponse refusal = HttpResponse::error(429, u"Too many requests.");
            refusal.headers = RedisRateLimiter::headersOf(verdict);
            respond(refusal);
        });
}

} // namespace qsoketi
