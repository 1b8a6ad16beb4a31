// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace qsoketi {

class ActivityFeed;
class Connection;
class Fanout;
class WebhookSender;
struct IncomingMessage;

// client-* events: allowed only on private and presence channels the sender is subscribed to, in apps
// that enable them, within the event limits and the sender's rate; relayed to every other subscriber on
// every node (never echoed to the sender).
class ClientEventHandler
{
public:
    ClientEventHandler(Fanout &fanout, WebhookSender &webhooks, ActivityFeed &feed);

    void handle(Connection *c, const IncomingMessage &m);

private:
    Fanout &m_fanout;
    WebhookSender &m_webhooks;
    ActivityFeed &m_feed;
};

} // namespace qsoketi
