// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "adapter/ClusterView.h"

namespace qsoketi {

struct AdapterConfig;
class MetricsRegistry;
class RedisAdapter;

// Nodes joined through Redis pub/sub (SOKETI_ADAPTER_DRIVER=redis): messages and questions travel
// through RedisAdapter with soketi's envelope; this node answers the others' questions from its state.
class RedisClusterView final : public ClusterView
{
    Q_OBJECT

public:
    RedisClusterView(const AdapterConfig &config, MetricsRegistry &metrics, QObject *parent = nullptr);

    QString driver() const override { return QStringLiteral("redis"); }
    void start() override;
    bool isReady() const override;
    void publish(
        AppState &app, const QString &channel, const QByteArray &message, const QString &exceptSocketId) override;

protected:
    void askOthers(AppState &app, ClusterRequest type, const QJsonObject &opts, AnswersDone done) override;

private:
    RedisAdapter *m_adapter; // child
};

} // namespace qsoketi
