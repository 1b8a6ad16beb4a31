// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "adapter/ClusterView.h"

namespace qsoketi {

// A node alone (SOKETI_ADAPTER_DRIVER=local): there are no other nodes, so every question is answered
// at once from this node's state and nothing is sent anywhere.
class LocalClusterView final : public ClusterView
{
    Q_OBJECT

public:
    using ClusterView::ClusterView;

    QString driver() const override { return QStringLiteral("local"); }
    void publish(AppState &, const QString &, const QByteArray &, const QString &) override {}

protected:
    void askOthers(AppState &app, ClusterRequest type, const QJsonObject &opts, AnswersDone done) override;
};

} // namespace qsoketi
