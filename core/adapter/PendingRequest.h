// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>

#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QSet>
#include <QString>

#include "adapter/ClusterRequest.h"

namespace qsoketi {

// One request of this node waiting for the other nodes' answers (HorizontalAdapter).
//
// Alone with qsoketi nodes, or for a question soketi answers too (1-9), every other node answers it:
// complete at that many answers. When the transport counts more nodes than qsoketi peers announce
// themselves (soketi nodes on the same broker) and the question is one of qsoketi's own (100+), soketi's
// equivalents (SoketiQuestions, "asks") go out too. Every node answers those: the answers carrying a
// uuid are the qsoketi nodes (soketi's never carry one), so the request is complete when every ask has
// all nodes' answers and each qsoketi node among them has answered the question itself. No timeout is
// needed to learn who will not answer, and a qsoketi node is never counted twice: its answers to the
// asks are dropped, only the soketi nodes' ones are folded into the result.
class PendingRequest
{
public:
    using Resolver = std::function<void(const QList<QJsonObject> &answers)>;

    QString appId;
    ClusterRequest type = ClusterRequest::SocketsCount;
    QJsonObject opts;
    Resolver resolve;
    QElapsedTimer started;

    // The transport counted the other nodes; `asks` (0 unless mixed) soketi-typed requests went out.
    void setExpected(int otherNodes, const QSet<QString> &peers, int asks);
    bool isCounted() const { return m_question.expected >= 0; }
    // An answer to the question (ask 0) or to ask `ask` (1…).
    void add(int ask, const QJsonObject &answer);
    // A peer died: stop waiting for its answers.
    void stopWaitingFor(const QString &node);
    bool isComplete() const;
    int answerCount() const;
    // The qsoketi nodes' answers, plus the soketi nodes' part folded into one answer.
    QList<QJsonObject> answers() const;

private:
    struct Part
    {
        QList<QJsonObject> answers;
        QSet<QString> answeredBy;
        int expected = -1;
    };

    Part m_question;
    QList<Part> m_asks;
    QSet<QString> m_peersWhenCounted; // only these may be given up on
    QSet<QString> m_givenUp;
};

} // namespace qsoketi
