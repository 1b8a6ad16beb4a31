// SPDX-License-Identifier: GPL-3.0-or-later
#include "adapter/HorizontalAdapter.h"

#include <QJsonDocument>
#include <QStringList>
#include <QUuid>

#include "adapter/SoketiQuestions.h"
#include "logging/LogCategories.h"
#include "metrics/MetricsRegistry.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

namespace qsoketi {

namespace {

QByteArray toJson(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

HorizontalAdapter::HorizontalAdapter(int requestsTimeoutMs, int heartbeatMs, MetricsRegistry &metrics, QObject *parent)
    : QObject(parent)
    , m_requestsTimeoutMs(requestsTimeoutMs)
    , m_heartbeatMs(qMax(1, heartbeatMs))
    , m_metrics(metrics)
    , m_uuid(QUuid::createUuid().toString(QUuid::WithoutBraces))
{
    m_clock.start();
    m_expiryTimer.setSingleShot(true);
    connect(&m_expiryTimer, &QTimer::timeout, this, &HorizontalAdapter::expire);
    m_heartbeat.setInterval(m_heartbeatMs);
    connect(&m_heartbeat, &QTimer::timeout, this, &HorizontalAdapter::heartbeat);
    m_sweep.setInterval(qMax(1, m_heartbeatMs / 4));
    connect(&m_sweep, &QTimer::timeout, this, &HorizontalAdapter::forgetSilentPeers);
}

HorizontalAdapter::~HorizontalAdapter() = default;

void HorizontalAdapter::publish(
    const QString &appId, const QString &channel, const QByteArray &message, const QString &exceptSocketId)
{
    if (!isReady())
        return;
    const QJsonObject envelope{{QStringLiteral("uuid"), m_uuid}, {QStringLiteral("appId"), appId},
        {QStringLiteral("channel"), channel}, {QStringLiteral("data"), QString::fromUtf8(message)},
        {QStringLiteral("exceptingId"), exceptSocketId.isEmpty() ? QJsonValue() : QJsonValue(exceptSocketId)}};
    sendBroadcast(toJson(envelope));
}

void HorizontalAdapter::onBroadcast(const QByteArray &payload)
{
    const QJsonObject o = QJsonDocument::fromJson(payload).object();
    const QString from = o.value(QLatin1String("uuid")).toString();
    if (from == m_uuid || !m_hooks.deliver)
        return;
    m_hooks.deliver(from, o.value(QLatin1String("appId")).toString(), o.value(QLatin1String("channel")).toString(),
        o.value(QLatin1String("data")).toString().toUtf8(), o.value(QLatin1String("exceptingId")).toString());
}

void HorizontalAdapter::request(const QString &appId, ClusterRequest type, const QJsonObject &opts, Resolver resolve)
{
    const QString requestId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QByteArray body = toJson({{QStringLiteral("requestId"), requestId}, {QStringLiteral("uuid"), m_uuid},
        {QStringLiteral("appId"), appId}, {QStringLiteral("type"), int(type)}, {QStringLiteral("opts"), opts}});
    if (!isReady()) {
        // The broker is away: this node answers alone (the caller adds its local part).
        if (resolve)
            QTimer::singleShot(0, this, [resolve = std::move(resolve)] { resolve({}); });
        return;
    }
    HorizontalAdapterMetrics &metrics = m_metrics.adapterForApp(appId);
    if (!resolve) { // fire and forget (terminate)
        sendRequest(body);
        metrics.sentRequests->Increment();
        return;
    }
    PendingRequest &p = m_pending[requestId];
    p.appId = appId;
    p.type = type;
    p.opts = opts;
    p.resolve = std::move(resolve);
    p.started.start();
    // The count may come before or after the answers: finish() needs both.
    countOtherNodes(requestId);
    sendRequest(body);
    metrics.sentRequests->Increment();
    m_deadlines.emplace_back(m_clock.elapsed() + m_requestsTimeoutMs, requestId);
    if (!m_expiryTimer.isActive())
        m_expiryTimer.start(m_requestsTimeoutMs);
}

void HorizontalAdapter::expectAnswers(const QString &requestId, int otherNodes)
{
    const auto it = m_pending.find(requestId);
    if (it == m_pending.end())
        return;
    // More nodes than qsoketi peers: soketi nodes, which do not answer qsoketi's own questions. Their part
    // comes from soketi's equivalents, asked now (one round trip after the question, mixed clusters only).
    const QList<SoketiQuestions::Ask> asks = otherNodes > m_peers.size() && isReady()
        ? SoketiQuestions::asksFor(it->type, it->opts)
        : QList<SoketiQuestions::Ask>{};
    it->setExpected(otherNodes, QSet<QString>(m_peers.keyBegin(), m_peers.keyEnd()), int(asks.size()));
    for (qsizetype i = 0; i < asks.size(); ++i) {
        sendRequest(
            toJson({{QStringLiteral("requestId"), QString(requestId + QLatin1Char('#') + QString::number(i + 1))},
                {QStringLiteral("uuid"), m_uuid}, {QStringLiteral("appId"), it->appId},
                {QStringLiteral("type"), int(asks[i].first)}, {QStringLiteral("opts"), asks[i].second}}));
        m_metrics.adapterForApp(it->appId).sentRequests->Increment();
    }
    if (it->isComplete()) {
        // Possibly still inside request(): resolve from the event loop, never re-entrantly.
        QTimer::singleShot(0, this, [this, requestId] { finish(requestId, false); });
    }
}

void HorizontalAdapter::expire()
{
    const qint64 now = m_clock.elapsed();
    while (!m_deadlines.empty() && m_deadlines.front().first <= now) {
        const QString requestId = std::move(m_deadlines.front().second);
        m_deadlines.pop_front();
        finish(requestId, true); // no-op when it was answered in time
    }
    if (!m_deadlines.empty())
        m_expiryTimer.start(int(m_deadlines.front().first - now));
}

void HorizontalAdapter::onRequest(const QByteArray &payload)
{
    const QJsonObject o = QJsonDocument::fromJson(payload).object();
    if (o.value(QLatin1String("uuid")).toString() == m_uuid || !m_hooks.answer)
        return;
    const QString appId = o.value(QLatin1String("appId")).toString();
    const auto type = ClusterRequest(o.value(QLatin1String("type")).toInt());
    m_metrics.adapterForApp(appId).receivedRequests->Increment();
    QJsonObject answer = m_hooks.answer(appId, type, o.value(QLatin1String("opts")).toObject());
    if (type == ClusterRequest::TerminateUserConnections || !isReady())
        return; // nobody waits for it / nowhere to send it
    answer.insert(QStringLiteral("requestId"), o.value(QLatin1String("requestId")));
    answer.insert(QStringLiteral("uuid"), m_uuid);
    sendResponse(toJson(answer));
}

void HorizontalAdapter::onResponse(const QByteArray &payload)
{
    if (m_pending.isEmpty())
        return;
    const QJsonObject o = QJsonDocument::fromJson(payload).object();
    // "<requestId>" answers the question, "<requestId>#<n>" its n-th soketi equivalent.
    const QString id = o.value(QLatin1String("requestId")).toString();
    const qsizetype hash = id.indexOf(QLatin1Char('#'));
    const QString requestId = hash < 0 ? id : id.left(hash);
    const auto it = m_pending.find(requestId);
    if (it == m_pending.end())
        return;
    m_metrics.adapterForApp(it->appId).receivedResponses->Increment();
    it->add(hash < 0 ? 0 : QStringView(id).mid(hash + 1).toInt(), o);
    if (it->isComplete())
        finish(requestId, false);
}

void HorizontalAdapter::finish(const QString &requestId, bool timedOut)
{
    const auto it = m_pending.find(requestId);
    if (it == m_pending.end())
        return;
    PendingRequest p = std::move(*it);
    m_pending.erase(it);
    HorizontalAdapterMetrics &metrics = m_metrics.adapterForApp(p.appId);
    if (timedOut) {
        metrics.uncompletePromises->Increment();
        qCDebug(lcServer) << "cluster request" << requestId << "timed out with" << p.answerCount() << "answers";
    } else {
        metrics.resolvedPromises->Increment();
        metrics.resolveTime->Observe(double(p.started.nsecsElapsed()) / 1e9);
    }
    p.resolve(p.answers());
}

void HorizontalAdapter::startAnnouncing()
{
    m_heartbeat.start();
    m_sweep.start();
}

void HorizontalAdapter::transportReady(bool ready)
{
    if (!ready)
        return; // peers are only judged while this node can hear them (see forgetSilentPeers)
    // Back from an outage: everyone gets two heartbeats again to be heard.
    const qint64 now = m_clock.elapsed();
    for (qint64 &lastHeard : m_peers)
        lastHeard = now;
    announce(QStringLiteral("hello")); // the others answer at once
}

void HorizontalAdapter::sayGoodbye()
{
    if (isReady())
        announce(QStringLiteral("bye"));
}

void HorizontalAdapter::announce(const QString &kind)
{
    sendNodes(toJson({{QStringLiteral("uuid"), m_uuid}, {QStringLiteral("kind"), kind}}));
}

void HorizontalAdapter::heartbeat()
{
    if (isReady())
        announce(QStringLiteral("here"));
}

void HorizontalAdapter::onNodes(const QByteArray &payload)
{
    const QJsonObject o = QJsonDocument::fromJson(payload).object();
    const QString node = o.value(QLatin1String("uuid")).toString();
    const QString kind = o.value(QLatin1String("kind")).toString();
    if (node.isEmpty() || node == m_uuid)
        return;
    if (kind == QLatin1String("bye")) {
        if (m_peers.remove(node)) {
            stopWaitingFor(node);
            emit peerLeft(node);
        }
        return;
    }
    if (!m_peers.contains(node))
        qCDebug(lcServer).noquote() << "cluster: node" << node << "joined";
    m_peers.insert(node, m_clock.elapsed());
    if (kind == QLatin1String("hello"))
        announce(QStringLiteral("here"));
}

void HorizontalAdapter::forgetSilentPeers()
{
    // While the broker is away nobody is heard: silence then says nothing about the others.
    if (!isReady())
        return;
    const qint64 cutoff = m_clock.elapsed() - 2 * qint64(m_heartbeatMs);
    QStringList lost;
    for (auto it = m_peers.begin(); it != m_peers.end();) {
        if (it.value() < cutoff) {
            lost.append(it.key());
            it = m_peers.erase(it);
        } else {
            ++it;
        }
    }
    // Every lost peer is given up on before anyone reacts: the reactions ask the live nodes only.
    for (const QString &node : std::as_const(lost)) {
        qCInfo(lcServer).noquote() << "cluster: node" << node
                                   << "missed two heartbeats; taken for dead, its presence members are removed";
        stopWaitingFor(node);
    }
    for (const QString &node : std::as_const(lost))
        emit peerLost(node);
}

void HorizontalAdapter::stopWaitingFor(const QString &node)
{
    QStringList done;
    for (auto it = m_pending.begin(); it != m_pending.end(); ++it) {
        it->stopWaitingFor(node);
        if (it->isComplete())
            done.append(it.key());
    }
    for (const QString &requestId : std::as_const(done))
        finish(requestId, false);
}

bool HorizontalAdapter::isFirstLiveNode() const
{
    for (auto it = m_peers.cbegin(); it != m_peers.cend(); ++it)
        if (it.key() < m_uuid)
            return false;
    return true;
}

} // namespace qsoketi
