// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QTimer>

#include "adapter/ClusterView.h"

namespace qsoketi {

class WorkerGroup;

// One worker's view of the other workers of this process (SOKETI_WORKERS > 1 without a broker): the
// workers are the nodes of an in-process cluster, so every "whole server" question (presence members,
// counts, users online, terminate) and every broadcast take the same path as between nodes, through
// ClusterView. Nothing is serialised for a broadcast: the message's bytes (implicitly shared) are
// queued to each other worker's thread, which frames them once for its own subscribers. A question is
// queued to each other worker, answered there from its state, and the answer queued back.
//
// Workers do not vanish while the server runs; the timeout only ends the questions in flight when one
// is destroyed at shutdown.
class WorkerClusterView final : public ClusterView
{
    Q_OBJECT

public:
    WorkerClusterView(WorkerGroup &group, int requestTimeoutMs, QObject *parent = nullptr);
    ~WorkerClusterView() override;

    QString driver() const override { return QStringLiteral("local"); }
    void publish(
        AppState &app, const QString &channel, const QByteArray &message, const QString &exceptSocketId) override;

protected:
    void askOthers(AppState &app, ClusterRequest type, const QJsonObject &opts, AnswersDone done) override;

private:
    struct Pending
    {
        int expected = 0;
        Answers answers;
        AnswersDone done;
    };

    void onAnswer(quint64 requestId, const QJsonObject &answer);
    void finish(quint64 requestId);

    WorkerGroup &m_group;
    const int m_requestTimeoutMs;
    quint64 m_nextRequestId = 0;
    QHash<quint64, Pending> m_pending;
};

} // namespace qsoketi
