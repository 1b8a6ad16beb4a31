// SPDX-License-Identifier: GPL-3.0-or-later
#include "adapter/ClusterView.h"

#include <QJsonArray>

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
    askOthers(app, ClusterRequest::ChannelsInfo, {}, [&app, names, done = std::move(done)](const Answers &answers) {
        QHash<QString, ClusterChannel> all;
        for (const QJsonObject &a : answers)
            ClusterChannel::mergeAll(all, a);
        if (names.isEmpty()) {
            for (const auto &[name, channel] : app.channels())
                all[name].addLocal(*channel);
            return done(all);
        }
        QHash<QString, ClusterChannel> named;
        for (const QString &name : names) {
            ClusterChannel &ch = named[name];
            ch = all.value(name);
            if (const Channel *local = app.channel(name))
                ch.addLocal(*local);
        }
        done(named);
    });
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

} // namespace qsoketi
