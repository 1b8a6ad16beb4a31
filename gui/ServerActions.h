// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <memory>

#include <QObject>
#include <QString>

namespace qsoketi {

class PusherServer;
class ServerCore;

// What the dashboard may do to the server's clients. The server runs on its own thread: every action is a
// queued call onto it (like the event creator's), and the answer comes back on this object's thread, never
// after this object is gone.
class ServerActions : public QObject
{
    Q_OBJECT

public:
    // closed: connections closed on this node (-1: the app is unknown or disabled).
    using Done = std::function<void(int closed)>;

    explicit ServerActions(ServerCore &core, QObject *parent = nullptr);
    ~ServerActions() override;

    // The path of POST /apps/{id}/users/{userId}/terminate_connections: the user's signed-in connections on
    // every node are closed with 4009. `done` gets -1 or 0 (the other nodes do not report back).
    void terminateUser(const QString &appId, const QString &userId, Done done = {});
    // Closes this node's connections (on every worker) that joined presence `channel` as `userId` (4009: the
    // client does not reconnect). `done` gets how many.
    void disconnectMember(const QString &appId, const QString &channel, const QString &userId, Done done = {});
    // Closes one socket of this node (whichever worker has it), if it is subscribed to a channel (4009).
    void disconnectSocket(const QString &appId, const QString &socketId, Done done = {});

private:
    Done onThisThread(Done done) const;
    // Runs `work` on every worker's thread with its engine; `done` gets the sum of the non-negative
    // results, or -1 when every worker answered -1 (the app is unknown there).
    void onEveryWorker(const std::function<int(PusherServer &)> &work, Done done);

    ServerCore &m_core;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true); // read on this object's thread only
};

} // namespace qsoketi
