// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <optional>

#include <QByteArray>

#include "rest/HttpRequest.h"
#include "rest/HttpResponse.h"

class QHostAddress;

namespace qsoketi {

class WebhookSender;

// The webhook delivery log on the metrics port (docs/webhooks.md):
//   GET  <prefix>/webhooks/deliveries[?app_id=ID][&outcome=failed,retrying][&limit=N]
//        → 200 {"deliveries": [newest first]}: time, URL (without credentials), events (name, channel,
//          user_id, event; never client event data), attempts with status or error and latency, outcome
//   POST <prefix>/webhooks/replay?id=N
//        → 202 {"id": new delivery, "replay_of": N}: the same events with a fresh time_ms and signature;
//          404 unknown id (the log keeps the last N per app), 409 the webhook is gone
// Admin answers only a client on this machine (a loopback peer) that is not a web page (no Origin
// header: the port answers CORS with "*", and a page must neither read event data nor replay): 403 else.
class WebhookAdminApi
{
public:
    WebhookAdminApi(WebhookSender &sender, const QByteArray &pathPrefix);

    // nullopt when the path is not one of these routes.
    std::optional<HttpResponse> handle(const HttpRequest &request, const QHostAddress &peer) const;

    static constexpr int defaultLimit = 100;

private:
    HttpResponse deliveries(const HttpRequest &request) const;
    HttpResponse replay(const HttpRequest &request) const;

    WebhookSender &m_sender;
    QByteArray m_deliveriesPath;
    QByteArray m_replayPath;
};

} // namespace qsoketi
