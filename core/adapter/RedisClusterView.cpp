// SPDX-License-Identifier: GPL-3.0-or-later
#include "adapter/RedisClusterView.h"

#include "adapter/RedisAdapter.h"
#include "channels/AppState.h"

namespace qsoketi {

RedisClusterView::RedisClusterView(const AdapterConfig &config, MetricsRegistry &metrics, QObject *parent)
    : ClusterView(parent)
    , m_adapter(new RedisAdapter(config, metrics, this))
{
    RedisAdapter::Hooks hooks;
    hooks.deliver = [this](const QString &appId, const QString &channel, const QByteArray &message,
                        const QString &exceptSocketId) { deliverFromOthers(appId, channel, message, exceptSocketId); };
    hooks.answer = [this](const QString &appId, ClusterRequest type, const QJsonObject &opts) {
        return answer(appId, type, opts);
    };
    m_adapter->setHooks(std::move(hooks));
    connect(m_adapter, &RedisAdapter::readyChanged, this, &ClusterView::readyChanged);
}

void RedisClusterView::start()
{
    m_adapter->start(); // connects in the background; the node works alone until Redis answers
}

bool RedisClusterView::isReady() const
{
    return m_adapter->isReady();
}

void RedisClusterView::publish(
    AppState &app, const QString &channel, const QByteArray &message, const QString &exceptSocketId)
{
    m_adapter->publish(app.app().id, channel, message, exceptSocketId);
}

void RedisClusterView::askOthers(AppState &app, ClusterRequest type, const QJsonObject &opts, AnswersDone done)
{
    m_adapter->request(app.app().id, type, opts, std::move(done));
}

} // namespace qsoketi
