// SPDX-License-Identifier: GPL-3.0-or-later
#include "adapter/NatsAdapter.h"

#include <QJsonDocument>
#include <QJsonObject>

#include "adapter/NatsConnection.h"
#include "logging/LogCategories.h"

namespace qsoketi {

NatsAdapter::NatsAdapter(const AdapterConfig &config, MetricsRegistry &metrics, QObject *parent)
    : HorizontalAdapter(config.natsRequestsTimeoutMs, config.heartbeatMs, metrics, parent)
    , m_config(config)
{
    const QByteArray prefix = config.natsPrefix.isEmpty() ? QByteArray() : config.natsPrefix.toUtf8() + '#';
    m_broadcastSubject = prefix + "nats-adapter";
    m_requestSubject = m_broadcastSubject + "#comms#req";
    m_responseSubject = m_broadcastSubject + "#comms#res";
    m_nodesSubject = m_broadcastSubject + "#comms#nodes";
    m_connection =
        new NatsConnection(config, {m_broadcastSubject, m_requestSubject, m_responseSubject, m_nodesSubject}, this);
    connect(m_connection, &NatsConnection::message, this, &NatsAdapter::onMessage);
    connect(m_connection, &NatsConnection::readyChanged, this, [this](bool ready) {
        if (ready) {
            qCInfo(lcServer).noquote() << "nats adapter ready, node" << uuid() << "on" << m_broadcastSubject;
        }
        transportReady(ready);
        emit readyChanged();
    });
}

NatsAdapter::~NatsAdapter()
{
    sayGoodbye(); // the others stop waiting for this node's answers now
}

void NatsAdapter::start()
{
    m_connection->open();
    startAnnouncing();
}

bool NatsAdapter::isReady() const
{
    return m_connection->isReady();
}

void NatsAdapter::onMessage(const QByteArray &subject, const QByteArray &payload)
{
    if (subject == m_broadcastSubject)
        onBroadcast(payload);
    else if (subject == m_requestSubject)
        onRequest(payload);
    else if (subject == m_responseSubject)
        onResponse(payload);
    else if (subject == m_nodesSubject)
        onNodes(payload);
}

void NatsAdapter::sendBroadcast(const QByteArray &body)
{
    m_connection->publish(m_broadcastSubject, body);
}

void NatsAdapter::sendRequest(const QByteArray &body)
{
    m_connection->publish(m_requestSubject, body);
}

void NatsAdapter::sendResponse(const QByteArray &body)
{
    m_connection->publish(m_responseSubject, body);
}

void NatsAdapter::countOtherNodes(const QString &requestId)
{
    expectAnswers(requestId, m_config.natsNodesNumber > 0 ? m_config.natsNodesNumber - 1 : knownPeers());
}

void NatsAdapter::sendNodes(const QByteArray &body)
{
    m_connection->publish(m_nodesSubject, body);
}

} // namespace qsoketi
