// SPDX-License-Identifier: GPL-3.0-or-later
#include "rest/RestApi.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include "adapter/ClusterChannel.h"
#include "apps/AppRegistry.h"
#include "auth/RestRequestVerifier.h"
#include "channels/AppState.h"
#include "config/ServerConfig.h"
#include "logging/LogCategories.h"
#include "metrics/ProcessInfo.h"
#include "protocol/ChannelName.h"
#include "protocol/MessageCodec.h"
#include "server/PusherServer.h"

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

} // namespace

RestApi::RestApi(const ServerConfig &config, const AppRegistry &apps, PusherServer &server)
    : m_config(config)
    , m_apps(apps)
    , m_server(server)
{}

HttpResponse RestApi::handle(const HttpRequest &request)
{
    QString path = request.path;
    if (!m_config.pathPrefix.isEmpty()) {
        if (!path.startsWith(m_config.pathPrefix))
            return HttpResponse::error(404, u"Not found.");
        path = path.mid(m_config.pathPrefix.size());
    }
    if (request.method == "OPTIONS")
        return HttpResponse{204, QByteArrayLiteral("text/plain"), {}, {}};
    const bool get = request.method == "GET";
    if (get && (path == QLatin1String("/") || path.isEmpty()))
        return HttpResponse::text(200, "OK");
    if (get && path == QLatin1String("/ready")) {
        if (m_server.isClosing())
            return HttpResponse::error(500, u"The server is closing. Choose another server. :)");
        return HttpResponse::text(200, "OK");
    }
    if (get && path == QLatin1String("/accept-traffic"))
        return memoryResponse(true);
    if (get && path == QLatin1String("/usage"))
        return memoryResponse(false);

    QStringList parts = path.split(QLatin1Char('/'));
    // "", "apps", id, ...
    if (parts.size() >= 4 && parts[0].isEmpty() && parts[1] == QLatin1String("apps"))
        return handleApp(request, parts[2], parts.mid(3));
    return HttpResponse::error(404, u"Not found.");
}

void RestApi::handle(const HttpRequest &request, const Responder &respond)
{
    m_deferTo = &respond;
    const HttpResponse response = handle(request);
    m_deferTo = nullptr;
    if (response.status != 0) // 0: deferred, respond runs when the other nodes have answered
        respond(response);
}

void RestApi::deferChannelQuery(AppState &state, const HttpRequest &request, const QStringList &rest)
{
    const Responder respond = *m_deferTo;
    const qsizetype requestBytes = request.body.size();
    // soketi's http metrics, counted like the synchronous routes: only successful answers.
    auto finish = [&state, respond, requestBytes](const HttpResponse &response) {
        if (response.status == 200) {
            state.metrics.httpCallsReceived->Increment();
            state.metrics.httpReceivedBytes->Increment(double(requestBytes));
            state.metrics.httpTransmittedBytes->Increment(double(response.body.size()));
        }
        respond(response);
    };
    if (rest.size() == 1) {
        const QString prefix = request.queryValue(u"filter_by_prefix");
        const QStringList attributes = request.queryValue(u"info").split(QLatin1Char(','), Qt::SkipEmptyParts);
        m_server.clusterChannels(state, [finish, prefix, attributes](const QHash<QString, ClusterChannel> &all) {
            QJsonObject result;
            for (auto it = all.cbegin(); it != all.cend(); ++it) {
                const QString &name = it.key();
                if ((!prefix.isEmpty() && !name.startsWith(prefix)) || name.startsWith(QLatin1Char('#'))
                    || it->subscriptionCount == 0)
                    continue;
                QJsonObject attrs{
                    {QStringLiteral("subscription_count"), it->subscriptionCount}, {QStringLiteral("occupied"), true}};
                if (attributes.contains(QLatin1String("user_count")) && ChannelName::isPresence(name))
                    attrs.insert(QStringLiteral("user_count"), qint64(it->members.size()));
                result.insert(name, attrs);
            }
            finish(HttpResponse::json(200, toJson({{QStringLiteral("channels"), result}})));
        });
        return;
    }
    const QString name = rest[1];
    const bool users = rest.size() == 3;
    m_server.clusterChannel(state, name, [finish, name, users](const ClusterChannel &ch) {
        if (users) {
            QJsonArray list;
            for (const PresenceMember &member : ch.members)
                list.append(QJsonObject{{QStringLiteral("id"), member.id}});
            return finish(HttpResponse::json(200, toJson({{QStringLiteral("users"), list}})));
        }
        QJsonObject result{{QStringLiteral("subscription_count"), ch.subscriptionCount},
            {QStringLiteral("occupied"), ch.subscriptionCount > 0}};
        if (ChannelName::isPresence(name))
            result.insert(QStringLiteral("user_count"), qint64(ch.members.size()));
        finish(HttpResponse::json(200, toJson(result)));
    });
}

void RestApi::deferTriggerInfo(
    AppState &state, const HttpRequest &request, const QJsonObject &body, const HttpResponse &local)
{
    const Responder respond = *m_deferTo;
    const qsizetype requestBytes = request.body.size();
    const QJsonObject answer = QJsonDocument::fromJson(local.body).object();
    m_server.clusterChannels(
        state, [&state, respond, requestBytes, body, answer](const QHash<QString, ClusterChannel> &all) {
            // Each answered attribute (subscription_count, user_count) gets the cluster-wide value.
            auto recount = [&all](const QString &channel, QJsonObject attrs) {
                const ClusterChannel ch = all.value(channel);
                if (attrs.contains(QLatin1String("subscription_count")))
                    attrs.insert(QStringLiteral("subscription_count"), ch.subscriptionCount);
                if (attrs.contains(QLatin1String("user_count")))
                    attrs.insert(QStringLiteral("user_count"), qint64(ch.members.size()));
                return attrs;
            };
            QJsonObject result = answer;
            if (answer.contains(QLatin1String("channels"))) {
                QJsonObject channels = answer.value(QLatin1String("channels")).toObject();
                for (auto it = channels.begin(); it != channels.end(); ++it)
                    it.value() = recount(it.key(), it.value().toObject());
                result.insert(QStringLiteral("channels"), channels);
            } else if (answer.contains(QLatin1String("batch"))) {
                QJsonArray items = answer.value(QLatin1String("batch")).toArray();
                const QJsonArray events = body.value(QLatin1String("batch")).toArray();
                for (qsizetype i = 0; i < items.size() && i < events.size(); ++i) {
                    const QJsonObject event = events[i].toObject();
                    const QString channel = event.value(QLatin1String("channels")).isArray()
                        ? event.value(QLatin1String("channels")).toArray().first().toString()
                        : event.value(QLatin1String("channel")).toString();
                    items[i] = recount(channel, items[i].toObject());
                }
                result.insert(QStringLiteral("batch"), items);
            }
            const HttpResponse response = HttpResponse::json(200, toJson(result));
            state.metrics.httpCallsReceived->Increment();
            state.metrics.httpReceivedBytes->Increment(double(requestBytes));
            state.metrics.httpTransmittedBytes->Increment(double(response.body.size()));
            respond(response);
        });
}

HttpResponse RestApi::memoryResponse(bool acceptTraffic) const
{
    // The same figures as the metrics port's /usage (one reader of /proc for both).
    const double used = double(ProcessInfo::residentMemoryBytes().value_or(0));
    const double total = double(ProcessInfo::physicalMemoryBytes().value_or(0));
    const double percent = total > 0 ? 100.0 * used / total : 0.0;
    if (acceptTraffic) {
        if (m_server.isClosing())
            return HttpResponse::error(500, u"The server is closing. Choose another server. :)");
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

HttpResponse RestApi::handleApp(const HttpRequest &request, const QString &appId, const QStringList &rest)
{
    const App *app = m_apps.byId(appId);
    if (!app)
        return HttpResponse::error(404, QStringLiteral("The app %1 could not be found.").arg(appId));
    AppState &state = *m_server.appState(app->id);
    const auto failure = RestRequestVerifier::verify(request.method, QString::fromUtf8(request.rawPath), request.query,
        request.body, app->key, app->secret.toUtf8(), QDateTime::currentSecsSinceEpoch());
    if (failure)
        return HttpResponse::error(failure->status, failure->message);
    if (!app->enabled)
        return HttpResponse::error(403, u"The app is not enabled.");

    const bool get = request.method == "GET";
    const bool post = request.method == "POST";
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    HttpResponse response = HttpResponse::error(404, u"Not found.");
    bool counted = true;

    if (get && rest.size() >= 1 && rest.size() <= 3 && rest[0] == QLatin1String("channels")) {
        if (!state.readRequests.consume(app->maxReadRequestsPerSecond, 1, now))
            return HttpResponse::error(429, u"Too many requests.");
        const bool known = rest.size() < 3 || rest[2] == QLatin1String("users");
        if (m_deferTo && m_server.adapter() && known && !(rest.size() == 3 && !ChannelName::isPresence(rest[1]))) {
            deferChannelQuery(state, request, rest);
            return HttpResponse{0, {}, {}, {}};
        }
        if (rest.size() == 1)
            response = channels(state, request);
        else if (rest.size() == 2)
            response = channel(state, rest[1]);
        else if (rest[2] == QLatin1String("users"))
            response = users(state, rest[1]);
    } else if (post
        && (rest == QStringList{QStringLiteral("events")} || rest == QStringList{QStringLiteral("batch_events")})) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(request.body, &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject())
            return incorrect();
        const QJsonObject body = doc.object();
        response = rest[0] == QLatin1String("events") ? trigger(state, body) : batch(state, body);
        if (m_deferTo && m_server.adapter() && response.status == 200 && response.body != "{\"ok\":true}") {
            // The `info` attributes were counted on this node only: recount them over the cluster.
            deferTriggerInfo(state, request, body, response);
            return HttpResponse{0, {}, {}, {}};
        }
    } else if (post && rest.size() == 3 && rest[0] == QLatin1String("users")
        && rest[2] == QLatin1String("terminate_connections")) {
        m_server.terminateUserConnections(state, rest[1]);
        response = HttpResponse::json(200, "{\"ok\":true}");
        counted = false; // soketi does not count this route
    }
    if (counted && response.status == 200) {
        state.metrics.httpCallsReceived->Increment();
        state.metrics.httpReceivedBytes->Increment(double(request.body.size()));
        state.metrics.httpTransmittedBytes->Increment(double(response.body.size()));
    }
    return response;
}

std::optional<HttpResponse> RestApi::validateEvent(
    AppState &state, const QJsonObject &event, QStringList *channels) const
{
    const App &app = state.app;
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

HttpResponse RestApi::trigger(AppState &state, const QJsonObject &body)
{
    QStringList channelNames;
    if (!state.backendEvents.consume(state.app.maxBackendEventsPerSecond,
            qMax<int>(1, int(body.value(QLatin1String("channels")).toArray().size())),
            QDateTime::currentMSecsSinceEpoch()))
        return HttpResponse::error(429, u"Too many requests.");
    if (auto error = validateEvent(state, body, &channelNames))
        return *error;
    const QString name = body.value(QLatin1String("name")).toString();
    const QByteArray data = MessageCodec::jsonValue(body.value(QLatin1String("data")));
    const QString except = body.value(QLatin1String("socket_id")).toString();
    for (const QString &channel : std::as_const(channelNames))
        m_server.publish(state, channel, name, data, except);

    const QString info = body.value(QLatin1String("info")).toString();
    if (info.isEmpty())
        return HttpResponse::json(200, "{\"ok\":true}");
    // Pusher's `info` on trigger: attributes of each channel right after publishing.
    const QStringList attributes = info.split(QLatin1Char(','), Qt::SkipEmptyParts);
    QJsonObject channelsInfo;
    for (const QString &channelName : std::as_const(channelNames)) {
        const Channel *ch = state.channel(channelName);
        QJsonObject attrs;
        if (attributes.contains(QLatin1String("subscription_count")))
            attrs.insert(QStringLiteral("subscription_count"), ch ? qint64(ch->subscriptionCount()) : 0);
        if (attributes.contains(QLatin1String("user_count")) && ChannelName::isPresence(channelName))
            attrs.insert(QStringLiteral("user_count"), ch ? qint64(ch->members().size()) : 0);
        channelsInfo.insert(channelName, attrs);
    }
    return HttpResponse::json(200, toJson({{QStringLiteral("ok"), true}, {QStringLiteral("channels"), channelsInfo}}));
}

HttpResponse RestApi::batch(AppState &state, const QJsonObject &body)
{
    const QJsonValue batchValue = body.value(QLatin1String("batch"));
    if (!batchValue.isArray())
        return incorrect();
    const QJsonArray items = batchValue.toArray();
    if (items.size() > state.app.maxEventBatchSize)
        return HttpResponse::error(
            400, QStringLiteral("Cannot batch-send more than %1 messages at once").arg(state.app.maxEventBatchSize));
    int points = 0;
    QList<QStringList> channelLists;
    for (const QJsonValue &item : items) {
        if (!item.isObject())
            return incorrect();
        QStringList channelNames;
        if (auto error = validateEvent(state, item.toObject(), &channelNames))
            return *error; // one bad item rejects the whole batch: nothing is sent
        points += int(channelNames.size());
        channelLists.append(channelNames);
    }
    if (!state.backendEvents.consume(
            state.app.maxBackendEventsPerSecond, qMax(points, 1), QDateTime::currentMSecsSinceEpoch()))
        return HttpResponse::error(429, u"Too many requests.");
    QJsonArray answers;
    bool wantsInfo = false;
    for (qsizetype i = 0; i < items.size(); ++i) {
        const QJsonObject item = items[i].toObject();
        const QString name = item.value(QLatin1String("name")).toString();
        const QByteArray data = MessageCodec::jsonValue(item.value(QLatin1String("data")));
        const QString except = item.value(QLatin1String("socket_id")).toString();
        for (const QString &channel : std::as_const(channelLists[i]))
            m_server.publish(state, channel, name, data, except);
        QJsonObject answer;
        const QStringList attributes =
            item.value(QLatin1String("info")).toString().split(QLatin1Char(','), Qt::SkipEmptyParts);
        if (!attributes.isEmpty()) {
            wantsInfo = true;
            const QString &channelName = channelLists[i].first();
            const Channel *ch = state.channel(channelName);
            if (attributes.contains(QLatin1String("subscription_count")))
                answer.insert(QStringLiteral("subscription_count"), ch ? qint64(ch->subscriptionCount()) : 0);
            if (attributes.contains(QLatin1String("user_count")) && ChannelName::isPresence(channelName))
                answer.insert(QStringLiteral("user_count"), ch ? qint64(ch->members().size()) : 0);
        }
        answers.append(answer);
    }
    if (!wantsInfo)
        return HttpResponse::json(200, "{\"ok\":true}");
    return HttpResponse::json(200, toJson({{QStringLiteral("ok"), true}, {QStringLiteral("batch"), answers}}));
}

HttpResponse RestApi::channels(AppState &state, const HttpRequest &request)
{
    const QString prefix = request.queryValue(u"filter_by_prefix");
    const QStringList attributes = request.queryValue(u"info").split(QLatin1Char(','), Qt::SkipEmptyParts);
    QJsonObject result;
    for (const auto &[channelName, channelPtr] : state.channels) {
        const Channel &ch = *channelPtr;
        if (!prefix.isEmpty() && !ch.name().startsWith(prefix))
            continue;
        if (ch.name().startsWith(QLatin1Char('#')))
            continue;
        // soketi always lists subscription_count and occupied; user_count when asked (Pusher).
        QJsonObject attrs{
            {QStringLiteral("subscription_count"), qint64(ch.subscriptionCount())}, {QStringLiteral("occupied"), true}};
        if (attributes.contains(QLatin1String("user_count")) && ch.isPresence())
            attrs.insert(QStringLiteral("user_count"), qint64(ch.members().size()));
        result.insert(ch.name(), attrs);
    }
    return HttpResponse::json(200, toJson({{QStringLiteral("channels"), result}}));
}

HttpResponse RestApi::channel(AppState &state, const QString &name)
{
    const Channel *ch = state.channel(name);
    const qint64 count = ch ? ch->subscriptionCount() : 0;
    QJsonObject result{{QStringLiteral("subscription_count"), count}, {QStringLiteral("occupied"), count > 0}};
    if (ChannelName::isPresence(name))
        result.insert(QStringLiteral("user_count"), ch ? qint64(ch->members().size()) : 0);
    return HttpResponse::json(200, toJson(result));
}

HttpResponse RestApi::users(AppState &state, const QString &name)
{
    if (!ChannelName::isPresence(name))
        return HttpResponse::error(400, u"The channel must be a presence channel.");
    QJsonArray users;
    if (const Channel *ch = state.channel(name)) {
        for (const PresenceMember &member : ch->members())
            users.append(QJsonObject{{QStringLiteral("id"), member.id}});
    }
    return HttpResponse::json(200, toJson({{QStringLiteral("users"), users}}));
}

} // namespace qsoketi
