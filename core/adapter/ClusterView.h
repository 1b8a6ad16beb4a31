// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>

#include "adapter/ClusterRequest.h"
#include "channels/ClusterChannel.h"

namespace qsoketi {

class AppState;

// The server's view of the whole cluster, in the spirit of soketi's AdapterInterface: the questions the
// engine asks about every node (channel members and counts, channel listings, sockets count, users
// online), terminating a user everywhere, and sending a message to the other nodes' clients.
//
// One call shape for every answer: a callback. A lone node (LocalClusterView) answers at once, before
// the call returns; a cluster (BrokerClusterView) after the other nodes reply or time out. Callers are
// written once for both: they must not assume either timing, and re-read local state in the callback.
// "Whole cluster" answers include this node's part, read when the answer completes.
class ClusterView : public QObject
{
    Q_OBJECT

public:
    // What the cluster view needs of this node: its apps, local delivery and local termination.
    struct LocalNode
    {
        std::function<AppState *(const QString &appId)> appState;
        // A complete Pusher message from another node, for this node's recipients.
        std::function<void(
            AppState &, const QString &channel, const QByteArray &message, const QString &exceptSocketId)>
            deliver;
        std::function<void(AppState &, const QString &userId)> terminateUser;
        // The leave webhooks this node holds for a channel (optional).
        std::function<PendingLeaves(const QString &appId, const QString &channel)> pendingLeaves;
        // A cache channel's message for an app this node has no state for yet (optional): kept, so a
        // client of the app that arrives here later gets it (an app from a store is met on first use).
        std::function<void(const QString &appId, const QString &channel, const QByteArray &message)> rememberUnknown;
        // This node's answer to a soketi node's request (types 1-8, soketi's shapes; optional).
        std::function<QJsonObject(const AppState &, ClusterRequest, const QJsonObject &opts)> answerSoketi;
        // Presence members of a dead node that no live node has (optional): this node's clients are told;
        // `webhooks`: this node also sends the member_removed / channel_vacated webhooks for the cluster.
        std::function<void(
            AppState &, const QString &channel, const QStringList &userIds, const ClusterChannel &all, bool webhooks)>
            membersLost;
    };

    explicit ClusterView(QObject *parent = nullptr);

    void setLocalNode(LocalNode node) { m_node = std::move(node); }
    // "local", "redis", "nats": for logs and the dashboard.
    virtual QString driver() const = 0;
    virtual void start() {}
    // Connected to the other nodes (always true alone).
    virtual bool isReady() const { return true; }

    // Sends a complete Pusher message to the other nodes, which deliver it to their own recipients.
    virtual void publish(
        AppState &app, const QString &channel, const QByteArray &message, const QString &exceptSocketId) = 0;

    // Whole cluster.
    void channel(AppState &app, const QString &name, std::function<void(const ClusterChannel &)> done);
    // The named channels (every channel when names is empty); absent names answer as empty channels.
    void channels(
        AppState &app, const QStringList &names, std::function<void(const QHash<QString, ClusterChannel> &)> done);
    void socketsCount(AppState &app, std::function<void(qint64 total)> done);
    // Other nodes only: what "first/last in the cluster" decisions need.
    void usersOnlineElsewhere(
        AppState &app, const QStringList &userIds, std::function<void(const QSet<QString> &online)> done);
    void terminateUserElsewhere(AppState &app, const QString &userId);

signals:
    void readyChanged();

protected:
    using Answers = QList<QJsonObject>;
    using AnswersDone = std::function<void(const Answers &)>;

    // Asks every other node; `done` (when set) runs exactly once with the answers that came.
    virtual void askOthers(AppState &app, ClusterRequest type, const QJsonObject &opts, AnswersDone done) = 0;

    // For implementations: this node's answer to another node's request, and delivery of another
    // node's message.
    QJsonObject answer(const QString &appId, ClusterRequest type, const QJsonObject &opts) const;
    void deliverFromOthers(
        const QString &appId, const QString &channel, const QByteArray &message, const QString &exceptSocketId) const;
    // A dead node had announced these members of a channel: the ones no live node has are removed.
    void dropLostMembers(const QString &appId, const QString &channel, const QStringList &userIds, bool webhooks);

private:
    // Channels a soketi node listed without members (ChannelsInfo in a mixed cluster) are asked one by one.
    void completeMembers(AppState &app, QHash<QString, ClusterChannel> result, QStringList withoutMembers,
        std::function<void(const QHash<QString, ClusterChannel> &)> done);

    LocalNode m_node;
};

} // namespace qsoketi
