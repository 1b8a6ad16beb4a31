// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <optional>

#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include "rest/HttpRequest.h"

namespace qsoketi {

class AppDirectory;
class AppState;
class ChannelService;
struct ServerConfig;

// soketi's HTTP API on the main port (spec §5): health routes and the signed /apps/{id}/… routes.
// Errors carry real HTTP statuses with soketi's JSON body {"error": …, "code": status}. Every answer
// goes through a responder: at once, or once the other nodes of a cluster have answered.
class RestApi
{
public:
    using Responder = std::function<void(const HttpResponse &)>;

    RestApi(const ServerConfig &config, AppDirectory &apps, ChannelService &channels);

    void handle(const HttpRequest &request, Responder respond);
    // The trigger path shared by POST /events and the dashboard's event creator. `body` is the events
    // body object.
    void trigger(AppState &app, const QJsonObject &body, Responder respond);

private:
    std::optional<HttpResponse> handleHealth(const HttpRequest &request, const QString &path) const;
    // Looks the app up (a store may answer later), then checks the signature and routes.
    void handleApp(const HttpRequest &request, const QString &appId, const QStringList &rest, Responder respond);
    void handleSigned(AppState &state, const HttpRequest &request, const QStringList &rest, Responder respond);
    void channels(AppState &app, const HttpRequest &request, Responder respond);
    void channel(AppState &app, const QString &name, Responder respond);
    void users(AppState &app, const QString &name, Responder respond);
    void triggerAllowed(AppState &app, const QJsonObject &body, const Responder &respond);
    void batch(AppState &app, const QJsonObject &body, Responder respond);
    void batchAllowed(
        AppState &app, const QJsonArray &items, const QList<QStringList> &channelLists, const Responder &respond);
    HttpResponse memoryResponse(bool acceptTraffic) const;
    enum class Budget
    {
        BackendEvents,
        ReadRequests
    };
    // Spends `points` of one of the app's HTTP API budgets, in this process or in Redis
    // (SOKETI_RATE_LIMITER_DRIVER); runs `allowed` when they fit, else answers 429 through `respond`.
    void spend(AppState &app, Budget budget, int points, const Responder &respond, std::function<void()> allowed);
    // Validates one event of /events or /batch_events; fills the channel list.
    std::optional<HttpResponse> validateEvent(AppState &app, const QJsonObject &event, QStringList *channels) const;

    const ServerConfig &m_config;
    AppDirectory &m_apps;
    ChannelService &m_channels;
};

} // namespace qsoketi
