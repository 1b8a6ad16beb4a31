// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <optional>

#include <QJsonObject>
#include <QString>

#include "rest/HttpRequest.h"

namespace qsoketi {

class AppRegistry;
class AppState;
class PusherServer;
struct ServerConfig;

// soketi's HTTP API on the main port (spec §5): health routes and the signed /apps/{id}/… routes.
// Errors carry real HTTP statuses with soketi's JSON body {"error": …, "code": status}.
class RestApi
{
public:
    RestApi(const ServerConfig &config, const AppRegistry &apps, PusherServer &server);

    HttpResponse handle(const HttpRequest &request);
    // The same, answering through `respond`: later for the routes that need a cluster-wide answer
    // (GET channels, channel, users with the Redis adapter), at once for every other request.
    using Responder = std::function<void(const HttpResponse &)>;
    void handle(const HttpRequest &request, const Responder &respond);

    // The trigger path shared by POST /events and the dashboard's event creator. `body` is the
    // events body object; on success returns the answer body, otherwise an error response.
    HttpResponse trigger(AppState &app, const QJsonObject &body);

private:
    HttpResponse handleApp(const HttpRequest &request, const QString &appId, const QStringList &rest);
    HttpResponse batch(AppState &app, const QJsonObject &body);
    HttpResponse channels(AppState &app, const HttpRequest &request);
    HttpResponse channel(AppState &app, const QString &name);
    HttpResponse users(AppState &app, const QString &name);
    HttpResponse memoryResponse(bool acceptTraffic) const;
    // Cluster mode: starts the query behind a GET channels route and answers through m_deferTo.
    void deferChannelQuery(AppState &app, const HttpRequest &request, const QStringList &rest);
    // Cluster mode: recounts the `info` attributes of a trigger answer over every node.
    void deferTriggerInfo(
        AppState &app, const HttpRequest &request, const QJsonObject &body, const HttpResponse &local);
    // Validates one event of /events or /batch_events; fills the channel list.
    std::optional<HttpResponse> validateEvent(AppState &app, const QJsonObject &event, QStringList *channels) const;

    const ServerConfig &m_config;
    const AppRegistry &m_apps;
    PusherServer &m_server;
    const Responder *m_deferTo = nullptr; // set while handle(request, respond) runs
};

} // namespace qsoketi
