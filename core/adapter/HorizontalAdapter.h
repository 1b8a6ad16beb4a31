// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <deque>
#include <functional>

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>
#include <QTimer>

#include "adapter/ClusterRequest.h"
#include "adapter/PendingRequest.h"

namespace qsoketi {

class MetricsRegistry;

// What every broker-based cluster shares, whatever carries the bytes (spec §8; soketi's
// HorizontalAdapter). Sockets stay local; two mechanisms make the nodes look like one server:
//  - broadcasts: every locally published Pusher message goes to the other nodes as
//    {uuid, appId, channel, data: the complete message text, exceptingId}; they deliver the same bytes to
//    their local subscribers;
//  - requests: {requestId, uuid, appId, type, opts}, answered with {requestId, uuid, …answer}; the
//    requester expects one answer per other node and resolves with what arrived after requestsTimeoutMs;
//    with soketi nodes on the same broker (more nodes than qsoketi peers), qsoketi's own questions also go
//    out as soketi's equivalents, `<requestId>#<n>` (PendingRequest, SoketiQuestions);
//  - node announcements on `…#comms#nodes`: {uuid, kind} with kind "hello" on every (re)connect (the
//    others answer "here" at once), "here" every heartbeatMs, "bye" on shutdown. A peer not heard for
//    two heartbeats is forgotten: peerLost() (a crash, a lost network; "bye" gives peerLeft()), and the
//    requests still waiting for its answer stop waiting for it.
// A transport (RedisAdapter, NatsAdapter) only moves bytes and says how many other nodes will answer, so
// Redis and NATS nodes behave the same: one envelope, one request logic, one set of metrics.
class HorizontalAdapter : public QObject
{
    Q_OBJECT

public:
    struct Hooks
    {
        // A message published on another node: deliver to local recipients.
        std::function<void(const QString &fromNode, const QString &appId, const QString &channel,
            const QByteArray &message, const QString &exceptSocketId)>
            deliver;
        // This node's answer to a request of another node.
        std::function<QJsonObject(const QString &appId, ClusterRequest type, const QJsonObject &opts)> answer;
    };
    // The answers of the other nodes (this node's own part is for the caller to add).
    using Resolver = PendingRequest::Resolver;

    HorizontalAdapter(int requestsTimeoutMs, int heartbeatMs, MetricsRegistry &metrics, QObject *parent = nullptr);
    ~HorizontalAdapter() override;

    void setHooks(Hooks hooks) { m_hooks = std::move(hooks); }
    // Connects in the background; the node works alone until the broker answers.
    virtual void start() = 0;
    // Connected and subscribed: messages and requests reach the other nodes.
    virtual bool isReady() const = 0;
    const QString &uuid() const { return m_uuid; }
    // The other nodes this node hears announce themselves now.
    int knownPeers() const { return int(m_peers.size()); }
    // True for exactly one of the live nodes (the smallest uuid): who sends a webhook for a dead node.
    bool isFirstLiveNode() const;

    void publish(
        const QString &appId, const QString &channel, const QByteArray &message, const QString &exceptSocketId);
    // Asks every other node; `resolve` is always called exactly once, later (never re-entrantly),
    // unless the adapter is destroyed first. Without `resolve` nobody waits (terminate).
    void request(const QString &appId, ClusterRequest type, const QJsonObject &opts, Resolver resolve);

signals:
    void readyChanged();
    // A peer stopped announcing itself (killed, cut off): its clients are gone without a goodbye.
    void peerLost(const QString &uuid);
    // A peer said goodbye (its clients' disconnections were announced as usual).
    void peerLeft(const QString &uuid);

protected:
    // The transport's part. Only called while isReady().
    virtual void sendBroadcast(const QByteArray &body) = 0;
    virtual void sendRequest(const QByteArray &body) = 0;
    virtual void sendResponse(const QByteArray &body) = 0;
    // How many other nodes will answer request `requestId`: call expectAnswers() now or later. Called
    // just before sendRequest(), so a transport may pipeline the two.
    virtual void countOtherNodes(const QString &requestId) = 0;
    virtual void sendNodes(const QByteArray &body) = 0;
    void expectAnswers(const QString &requestId, int otherNodes);
    // Starts the heartbeat; the transport's start() calls it.
    void startAnnouncing();
    // The transport (re)connected (hello) or lost the broker (peers are not judged meanwhile).
    void transportReady(bool ready);
    // The transport's destructor: tells the others not to wait for this node.
    void sayGoodbye();

    // What the transport received from the other nodes.
    void onBroadcast(const QByteArray &payload);
    void onRequest(const QByteArray &payload);
    void onResponse(const QByteArray &payload);
    void onNodes(const QByteArray &payload);

private:
    void finish(const QString &requestId, bool timedOut);
    void expire();
    void announce(const QString &kind);
    void heartbeat();
    void forgetSilentPeers();
    // Requests still waiting for a lost peer's answer expect one answer less.
    void stopWaitingFor(const QString &node);

    const int m_requestsTimeoutMs;
    const int m_heartbeatMs;
    MetricsRegistry &m_metrics;
    QString m_uuid;
    Hooks m_hooks;
    QHash<QString, PendingRequest> m_pending;
    // Every request has the same timeout, so deadlines come in order: one timer for all of them.
    std::deque<std::pair<qint64, QString>> m_deadlines; // (steady ms, requestId)
    QElapsedTimer m_clock;
    QTimer m_expiryTimer;
    QHash<QString, qint64> m_peers; // uuid → last heard (m_clock ms)
    QTimer m_heartbeat;
    QTimer m_sweep; // a quarter heartbeat: a silent peer is forgotten at most that late
};

} // namespace qsoketi
