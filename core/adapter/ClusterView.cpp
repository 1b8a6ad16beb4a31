// SPDX-License-Identifier: GPL-3.0-or-later
#include "adapter/ClusterView.h"

#include <memory>

#include <QJsonArray>

#include "adapter/SoketiQuestions.h"
#include "channels/AppState.h"
#include "protocol/ChannelName.h"

namespace qsoketi {

ClusterView::ClusterView(QObject *parent)
    : QObject(parent)
{}

void ClusterView::channel(AppState &app, const QString &name, std::function<void(const ClusterChannel &)> done)
{
    askOthers(app, ClusterRequest::ChannelInfo, {{QStringLiteral("channel"), name}},
        [this, &app, name, done = std::move(done)](const Answers &answers) {
            ClusterChannel result;
            for (const QJsonObject &a : answers)
                result.merge(a);
            if (const Channel *local = app.channel(name))
                result.addLocal(*local);
            if (m_node.pendingLeaves)
                result.addPending(m_node.pendingLeaves(app.app().id, name));
            done(result);
        });
}

void ClusterView::channels(
    AppState &app, const QStringList &names, std::function<void(const QHash<QString, ClusterChannel> &)> done)
{
    if (names.size() == 1) {
        // One channel: the cheaper question, with the same answer shape.
        const QString name = names.first();
        return channel(app, name, [name, done = std::move(done)](const ClusterChannel &ch) {
            done(QHash<QString, ClusterChannel>{{name, ch}});
        });
    }
    askOthers(
        app, ClusterRequest::ChannelsInfo, {}, [this, &app, names, done = std::move(done)](const Answers &answers) {
            QHash<QString, ClusterChannel> all;
            QStringList withoutMembers; // presence channels of soketi nodes, listed without their members
            for (const QJsonObject &a : answers) {
                ClusterChannel::mergeAll(all, a);
                withoutMembers += SoketiQuestions::presenceWithoutMembers(a);
            }
            QHash<QString, ClusterChannel> result;
            if (names.isEmpty()) {
                for (const auto &[name, channel] : app.channels())
                    all[name].addLocal(*channel);
                result = std::move(all);
            } else {
                for (const QString &name : names) {
                    ClusterChannel &ch = result[name];
                    ch = all.value(name);
                    if (const Channel *local = app.channel(name))
                        ch.addLocal(*local);
                }
            }
            completeMembers(app, std::move(result), withoutMembers, std::move(done));
        });
}

void ClusterView::completeMembers(AppState &app, QHash<QString, ClusterChannel> result, QStringList withoutMembers,
    std::function<void(const QHash<QString, ClusterChannel> &)> done)
{
    withoutMembers.removeIf([&result](const QString &name) { return !result.contains(name); });
    withoutMembers.removeDuplicates();
    if (withoutMembers.isEmpty())
        return done(result);
    // Mixed cluster only: each such channel asked on its own, whose answer carries every node's members.
    auto state = std::make_shared<std::pair<QHash<QString, ClusterChannel>, qsizetype>>(
        std::move(result), withoutMembers.size());
    auto finished = std::make_shared<std::function<void(const QHash<QString, ClusterChannel> &)>>(std::move(done));
    for (const QString &name : std::as_const(withoutMembers)) {
        channel(app, name, [state, finished, name](const ClusterChannel &ch) {
            state->first[name] = ch;
            if (--state->second == 0)
                (*finished)(state->first);
        });
    }
}

void ClusterView::socketsCount(AppState &app, std::function<void(qint64)> done)
{
    askOthers(app, ClusterRequest::SocketsCount, {}, [&app, done = std::move(done)](const Answers &answers) {
        qint64 total = app.connectionCount();
        for (const QJsonObject &a : answers)
            total += a.value(QLatin1String("totalCount")).toInteger();
        done(total);
    });
}

void ClusterView::usersOnlineElsewhere(
    AppState &app, const QStringList &userIds, std::function<void(const QSet<QString> &)> done)
{
    askOthers(app, ClusterRequest::UsersOnline, {{QStringLiteral("userIds"), QJsonArray::fromStringList(userIds)}},
        [done = std::move(done)](const Answers &answers) {
            QSet<QString> online;
            for (const QJsonObject &a : answers)
                for (const QJsonValue &id : a.value(QLatin1String("online")).toArray())
                    online.insert(id.toString());
            done(online);
        });
}

void ClusterView::terminateUserElsewhere(AppState &app, const QString &userId)
{
    askOthers(app, ClusterRequest::TerminateUserConnections, {{QStringLiteral("userId"), userId}}, {});
}

QJsonObject ClusterView::answer(const QString &appId, ClusterRequest type, const QJsonObject &opts) const
{
    AppState *app = m_node.appState ? m_node.appState(appId) : nullptr;
    if (!app)
        return {};
    switch (type) {
    case ClusterRequest::SocketsCount:
        return {{QStringLiteral("totalCount"), app->connectionCount()}};
    case ClusterRequest::TerminateUserConnections:
        m_node.terminateUser(*app, opts.value(QLatin1String("userId")).toString());
        return {};
    case ClusterRequest::ChannelInfo: {
        const QString name = opts.value(QLatin1String("channel")).toString();
        const Channel *ch = app->channel(name);
        QJsonObject part = ch ? ClusterChannel::encode(*ch, true) : QJsonObject{};
        if (m_node.pendingLeaves)
            ClusterChannel::encodePending(part, m_node.pendingLeaves(appId, name));
        app->transitions().encode(name, part);
        return part;
    }
    case ClusterRequest::ChannelsInfo:
        return ClusterChannel::encodeAll(app->channels());
    case ClusterRequest::Channels:
    case ClusterRequest::ChannelMembers:
    case ClusterRequest::ChannelMembersCount:
    case ClusterRequest::ChannelSocketsCount:
    case ClusterRequest::SocketExistsInChannel:
    case ClusterRequest::ChannelsWithSocketsCount:
        return m_node.answerSoketi ? m_node.answerSoketi(*app, type, opts) : QJsonObject{};
    case ClusterRequest::UsersOnline: {
        QJsonArray online;
        for (const QJsonValue &id : opts.value(QLatin1String("userIds")).toArray())
            if (app->isUserOnline(id.toString()))
                online.append(id);
        return {{QStringLiteral("online"), online}};
    }
    }
    return {};
}

void ClusterView::deliverFromOthers(
    const QString &appId, const QString &channel, const QByteArray &message, const QString &exceptSocketId) const
{
    if (AppState *app = m_node.appState ? m_node.appState(appId) : nullptr)
        m_node.deliver(*app, channel, message, exceptSocketId);
    else if (m_node.rememberUnknown && ChannelName::isCache(channel))
        m_node.rememberUnknown(appId, channel, message);
}

void ClusterView::dropLostMembers(
    const QString &appId, const QString &channelName, const QStringList &userIds, bool webhooks)
{
    AppState *app = m_node.appState ? m_node.appState(appId) : nullptr;
    if (!app || !m_node.membersLost)
        return;
    // Asked now, the dead node no longer answers: the user is gone unless another node still has it.
    channel(*app, channelName, [this, appId, channelName, userIds, webhooks](const ClusterChannel &all) {
        AppState *app = m_node.appState(appId);
        if (!app)
            return;
        QStringList gone;
        for (const QString &userId : userIds)
            if (!all.members.contains(userId))
                gone.append(userId);
        if (!gone.isEmpty())
            m_node.membersLost(*app, channelName, gone, all, webhooks);
    });
}

} // namespace qsoketi
