// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The pieces of a SubscriptionHandler test without a network: a socket that records the frames written
// to it, and other nodes of a cluster that answer as scripted, at once or when released.
#include <functional>

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QTcpSocket>

#include "adapter/ClusterView.h"

namespace qsoketi::test {

// A TCP socket that records what is written to it: the connection's frames, without a network.
class RecordingSocket final : public QTcpSocket
{
public:
    RecordingSocket() { setOpenMode(QIODevice::ReadWrite); }
    QByteArray written;

protected:
    qint64 writeData(const char *data, qint64 size) override
    {
        written.append(data, size);
        return size;
    }
};

// The other nodes: their members of each channel, answered at once or when release() is called.
class ScriptedCluster final : public ClusterView
{
public:
    QString driver() const override { return QStringLiteral("scripted"); }
    void publish(AppState &, const QString &channel, const QByteArray &message, const QString &) override
    {
        published.append({channel, message});
    }
    void release()
    {
        const auto answers = std::exchange(m_held, {});
        for (const auto &answer : answers)
            answer();
    }

    // This node's answer to another node's question, as the other nodes would get it.
    QJsonObject answerFor(const QString &appId, const QString &channel) const
    {
        return answer(appId, ClusterRequest::ChannelInfo, {{QStringLiteral("channel"), channel}});
    }

    QHash<QString, QJsonObject> remote; // channel → one other node's ChannelInfo answer
    bool hold = false;
    int asked = 0;
    QList<QPair<QString, QByteArray>> published;

protected:
    void askOthers(AppState &, ClusterRequest type, const QJsonObject &opts, AnswersDone done) override
    {
        if (!done)
            return;
        ++asked;
        const QJsonObject answer = type == ClusterRequest::ChannelInfo
            ? remote.value(opts.value(QStringLiteral("channel")).toString())
            : QJsonObject{};
        auto reply = [done, answer] { done(answer.isEmpty() ? Answers{} : Answers{answer}); };
        if (hold)
            m_held.append(reply);
        else
            reply();
    }

private:
    QList<std::function<void()>> m_held;
};

} // namespace qsoketi::test
