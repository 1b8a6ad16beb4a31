// SPDX-License-Identifier: GPL-3.0-or-later
#include "adapter/BrokerClusterView.h"

#include "adapter/HorizontalAdapter.h"
#include "channels/AppState.h"

namespace qsoketi {

BrokerClusterView::BrokerClusterView(QString driver, HorizontalAdapter *adapter, QObject *parent)
    : ClusterView(parent)
    , m_driver(std::move(driver))
    , m_adapter(adapter)
{
    m_adapter->setParent(this);
    HorizontalAdapter::Hooks hooks;
    hooks.deliver = [this](const QString &fromNode, const QString &appId, const QString &channel,
                        const QByteArray &message, const QString &exceptSocketId) {
        m_remoteMembers.observe(fromNode, appId, channel, message);
        deliverFromOthers(appId, channel, message, exceptSocketId);
    };
    hooks.answer = [this](const QString &appId, ClusterRequest type, const QJsonObject &opts) {
        return answer(appId, type, opts);
    };
    m_adapter->setHooks(std::move(hooks));
    connect(m_adapter, &HorizontalAdapter::readyChanged, this, &ClusterView::readyChanged);
    connect(m_adapter, &HorizontalAdapter::peerLost, this, &BrokerClusterView::onPeerLost);
    // A goodbye comes after the leaving node's own disconnections announced its members' departure.
    connect(m_adapter, &HorizontalAdapter::peerLeft, this, [this](const QString &node) { m_remoteMembers.take(node); });
}

void BrokerClusterView::onPeerLost(const QString &node)
{
    const bool webhooks = m_adapter->isFirstLiveNode();
    for (const RemoteMembers::LostChannel &lost : m_remoteMembers.take(node))
        dropLostMembers(lost.appId, lost.channel, lost.userIds, webhooks);
}

void BrokerClusterView::start()
{
    m_adapter->start(); // connects in the background; the node works alone until the broker answers
}

bool BrokerClusterView::isReady() const
{
    return m_adapter->isReady();
}

void BrokerClusterView::publish(
    AppState &app, const QString &channel, const QByteArray &message, const QString &exceptSocketId)
{
    m_adapter->publish(app.app().id, channel, message, exceptSocketId);
}

void BrokerClusterView::askOthers(AppState &app, ClusterRequest type, const QJsonObject &opts, AnswersDone done)
{
    m_adapter->request(app.app().id, type, opts, std::move(done));
}

} // namespace qsoketi
