// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include "adapter/ClusterView.h"
#include "adapter/RemoteMembers.h"

namespace qsoketi {

class HorizontalAdapter;

// Nodes joined through a broker (SOKETI_ADAPTER_DRIVER=redis or nats): messages and questions travel
// through a HorizontalAdapter with soketi's envelope; this node answers the others' questions from its
// state. The driver only decides which transport carries the bytes.
//
// A node that dies without a goodbye (kill -9, a lost network) cannot announce its members' departure:
// when the adapter gives up on it (peerLost, two missed heartbeats), this node removes the members that
// node had announced (RemoteMembers) and that no live node still has, from its own clients' lists; the
// first live node (smallest uuid) also sends the member_removed and channel_vacated webhooks.
class BrokerClusterView final : public ClusterView
{
    Q_OBJECT

public:
    // Takes the adapter as a child.
    BrokerClusterView(QString driver, HorizontalAdapter *adapter, QObject *parent = nullptr);

    QString driver() const override { return m_driver; }
    void start() override;
    bool isReady() const override;
    void publish(
        AppState &app, const QString &channel, const QByteArray &message, const QString &exceptSocketId) override;

protected:
    void askOthers(AppState &app, ClusterRequest type, const QJsonObject &opts, AnswersDone done) override;

private:
    void onPeerLost(const QString &node);

    QString m_driver;
    HorizontalAdapter *m_adapter; // child
    RemoteMembers m_remoteMembers;
};

} // namespace qsoketi
