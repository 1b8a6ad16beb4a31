// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

namespace qsoketi {

class ActivityFeed;
class AppState;
class ClusterView;
class Connection;
class Fanout;
struct IncomingMessage;

// Signed-in users (pusher:signin): who is online on the whole cluster, watchlist online/offline events
// (sent once per cluster), and terminating a user's connections on every node.
class UserSessions
{
public:
    UserSessions(ClusterView &cluster, Fanout &fanout);

    void signIn(Connection *c, const IncomingMessage &m);
    // A connection is gone: its watchlist and its user's online state.
    void signOut(Connection *c);
    // Closes the user's connections here and on the other nodes.
    void terminate(AppState &app, const QString &userId);
    // Closes the user's connections on this node (another node's request included).
    void terminateHere(AppState &app, const QString &userId);

    // Watchlist events travel between nodes on a pseudo channel per watched user.
    static bool isWatchlistChannel(const QString &channel);
    // A watchlist event of another node: for this node's watchers of that user.
    void deliverWatchlistEvent(AppState &app, const QString &channel, const QByteArray &message);

private:
    void sendInitialWatchlist(Connection *c);
    // online/offline to the user's watchers on every node, once for the cluster: only when no other
    // node has the user, and only if the user's state here has not changed again meanwhile.
    void announcePresence(AppState &app, const QString &userId, bool online);

    ClusterView &m_cluster;
    Fanout &m_fanout;
};

} // namespace qsoketi
