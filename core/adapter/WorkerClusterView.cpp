// SPDX-License-Identifier: GPL-3.0-or-later
#include "adapter/WorkerClusterView.h"

#include "adapter/WorkerGroup.h"
#include "channels/AppState.h"
#include "threading/ThreadHandOff.h"

namespace qsoketi {

WorkerClusterView::WorkerClusterView(WorkerGroup &group, int requestTimeoutMs, QObject *parent)
    : ClusterView(parent)
    , m_group(group)
    , m_requestTimeoutMs(requestTimeoutMs)
{
    m_group.join(this);
}

WorkerClusterView::~WorkerClusterView()
{
    m_group.leave(this);
}

void WorkerClusterView::publish(
    AppState &app, const QString &channel, const QByteArray &message, const QString &exceptSocketId)
{
    const QString &appId = app.app().id;
    m_group.forEachOther(this, [&](WorkerClusterView *other) {
        ThreadHandOff::post(
            other,
            [other, appId, channel, message, exceptSocketId] {
                other->deliverFromOthers(appId, channel, message, exceptSocketId);
            },
            Qt::QueuedConnection);
    });
}

void WorkerClusterView::askOthers(AppState &app, ClusterRequest type, const QJsonObject &opts, AnswersDone done)
{
    const QString &appId = app.app().id;
    if (!done) { // nobody waits (terminate)
        m_group.forEachOther(this, [&](WorkerClusterView *other) {
            ThreadHandOff::post(
                other, [other, appId, type, opts] { other->answer(appId, type, opts); }, Qt::QueuedConnection);
        });
        return;
    }
    const quint64 requestId = ++m_nextRequestId;
    Pending &pending = m_pending[requestId];
    pending.done = std::move(done);
    WorkerGroup *group = &m_group;
    pending.expected = m_group.forEachOther(this, [&](WorkerClusterView *other) {
        ThreadHandOff::post(
            other,
            [group, asker = this, other, requestId, appId, type, opts] {
                const QJsonObject answer = other->answer(appId, type, opts);
                group->ifMember(asker, [&](WorkerClusterView *view) {
                    ThreadHandOff::post(
                        view, [view, requestId, answer] { view->onAnswer(requestId, answer); }, Qt::QueuedConnection);
                });
            },
            Qt::QueuedConnection);
    });
    if (pending.expected == 0) {
        // Alone after all (the others have stopped): answer from the event loop, never re-entrantly.
        QTimer::singleShot(0, this, [this, requestId] { finish(requestId); });
        return;
    }
    QTimer::singleShot(m_requestTimeoutMs, this, [this, requestId] { finish(requestId); });
}

void WorkerClusterView::onAnswer(quint64 requestId, const QJsonObject &answer)
{
    const auto it = m_pending.find(requestId);
    if (it == m_pending.end())
        return; // timed out
    it->answers.append(answer);
    if (it->answers.size() >= it->expected)
        finish(requestId);
}

void WorkerClusterView::finish(quint64 requestId)
{
    const auto it = m_pending.find(requestId);
    if (it == m_pending.end())
        return;
    Pending p = std::move(*it);
    m_pending.erase(it);
    p.done(p.answers);
}

} // namespace qsoketi
