// SPDX-License-Identifier: GPL-3.0-or-later
#include "adapter/PendingRequest.h"

#include "adapter/SoketiQuestions.h"

namespace qsoketi {

namespace {

const QString uuidKey = QStringLiteral("uuid");

} // namespace

void PendingRequest::setExpected(int otherNodes, const QSet<QString> &peers, int asks)
{
    m_question.expected = qMax(0, otherNodes);
    m_peersWhenCounted = peers;
    m_asks.resize(asks);
    for (Part &ask : m_asks)
        ask.expected = m_question.expected;
}

void PendingRequest::add(int ask, const QJsonObject &answer)
{
    if (ask < 0 || ask > m_asks.size())
        return;
    Part &part = ask == 0 ? m_question : m_asks[ask - 1];
    part.answers.append(answer);
    part.answeredBy.insert(answer.value(uuidKey).toString()); // "" for soketi nodes
}

void PendingRequest::stopWaitingFor(const QString &node)
{
    if (!isCounted() || !m_peersWhenCounted.contains(node))
        return;
    m_givenUp.insert(node);
    if (m_asks.isEmpty()) {
        if (m_question.expected > 0 && !m_question.answeredBy.contains(node))
            --m_question.expected;
        return;
    }
    for (Part &ask : m_asks)
        if (ask.expected > 0 && !ask.answeredBy.contains(node))
            --ask.expected;
}

bool PendingRequest::isComplete() const
{
    if (!isCounted())
        return false;
    if (m_asks.isEmpty())
        return m_question.answers.size() >= m_question.expected;
    for (const Part &ask : m_asks) {
        if (ask.answers.size() < ask.expected)
            return false;
        for (const QString &node : ask.answeredBy)
            if (!node.isEmpty() && !m_givenUp.contains(node) && !m_question.answeredBy.contains(node))
                return false;
    }
    return true;
}

int PendingRequest::answerCount() const
{
    int count = int(m_question.answers.size());
    for (const Part &ask : m_asks)
        count += int(ask.answers.size());
    return count;
}

QList<QJsonObject> PendingRequest::answers() const
{
    if (m_asks.isEmpty())
        return m_question.answers;
    QList<QList<QJsonObject>> soketi;
    bool any = false;
    for (const Part &ask : m_asks) {
        QList<QJsonObject> &fromSoketi = soketi.emplace_back();
        for (const QJsonObject &a : ask.answers) {
            if (!a.contains(uuidKey)) {
                fromSoketi.append(a);
                any = true;
            }
        }
    }
    QList<QJsonObject> all = m_question.answers;
    if (any)
        all.append(SoketiQuestions::fold(type, soketi));
    return all;
}

} // namespace qsoketi
