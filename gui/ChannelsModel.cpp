// SPDX-License-Identifier: GPL-3.0-or-later
#include "ChannelsModel.h"

#include <algorithm>

#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>

#include "channels/AppState.h"
#include "channels/Channel.h"
#include "server/PusherServer.h"

namespace qsoketi {

namespace {

QString jsonText(const QJsonValue &value)
{
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    if (value.isString())
        return value.toString();
    if (value.isDouble())
        return QString::number(value.toDouble());
    if (value.isBool())
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    return QString();
}

} // namespace

ChannelsModel::ChannelsModel(QObject *parent)
    : QStandardItemModel(0, ColumnCount, parent)
{
    setHorizontalHeaderLabels({QStringLiteral("App / channel / member"), QStringLiteral("Type"),
        QStringLiteral("Subscribers"), QStringLiteral("Info")});
}

QString ChannelsModel::typeText(const Channel &channel)
{
    QString type;
    switch (channel.type()) {
    case ChannelName::Type::Public:
        type = QStringLiteral("public");
        break;
    case ChannelName::Type::Private:
        type = QStringLiteral("private");
        break;
    case ChannelName::Type::PrivateEncrypted:
        type = QStringLiteral("encrypted");
        break;
    case ChannelName::Type::Presence:
        type = QStringLiteral("presence");
        break;
    }
    return channel.isCache() ? QStringLiteral("cache, ") + type : type;
}

QList<ChannelsModel::Node> ChannelsModel::read(const PusherServer &server)
{
    QList<Node> apps;
    for (auto it = server.appStates().cbegin(); it != server.appStates().cend(); ++it) {
        const AppState &state = *it.value();
        Node app{it.key(),
            {it.key(), QStringLiteral("app"), QString::number(state.connectionCount),
                QStringLiteral("%1 channel(s)").arg(state.channels.size())},
            {}};
        std::vector<const Channel *> channels;
        channels.reserve(state.channels.size());
        for (const auto &[name, channel] : state.channels)
            channels.push_back(channel.get());
        std::sort(
            channels.begin(), channels.end(), [](const Channel *a, const Channel *b) { return a->name() < b->name(); });
        int shown = 0;
        for (const Channel *channel : channels) {
            if (++shown > maxChannelsPerApp) {
                app.children.append(Node{QStringLiteral("\x1f more"),
                    {QStringLiteral("… %1 more channel(s)").arg(channels.size() - maxChannelsPerApp), {}, {}, {}}, {}});
                break;
            }
            Node node{channel->name(),
                {channel->name(), typeText(*channel), QString::number(channel->subscriptionCount()),
                    channel->isPresence() ? QStringLiteral("%1 member(s)").arg(channel->members().size()) : QString()},
                {}};
            if (channel->isPresence()) {
                QStringList userIds = channel->members().keys();
                userIds.sort();
                for (const QString &userId : std::as_const(userIds)) {
                    const PresenceMember &member = channel->members()[userId];
                    node.children.append(Node{userId,
                        {userId, QStringLiteral("member"), QString::number(member.connections), jsonText(member.info)},
                        {}});
                }
            }
            app.children.append(std::move(node));
        }
        apps.append(std::move(app));
    }
    std::sort(apps.begin(), apps.end(), [](const Node &a, const Node &b) { return a.key < b.key; });
    return apps;
}

void ChannelsModel::setNodes(const QList<Node> &apps)
{
    sync(invisibleRootItem(), apps);
}

void ChannelsModel::sync(QStandardItem *parent, const QList<Node> &nodes)
{
    // Existing rows by key; rows whose key is gone are removed, new ones appended, then sorted by key.
    QHash<QString, const Node *> wanted;
    for (const Node &node : nodes)
        wanted.insert(node.key, &node);
    for (int row = parent->rowCount() - 1; row >= 0; --row)
        if (!wanted.contains(parent->child(row)->data(Qt::UserRole).toString()))
            parent->removeRow(row);
    QHash<QString, int> existing;
    for (int row = 0; row < parent->rowCount(); ++row)
        existing.insert(parent->child(row)->data(Qt::UserRole).toString(), row);
    bool appended = false;
    for (const Node &node : nodes) {
        const auto it = existing.constFind(node.key);
        if (it == existing.cend()) {
            QList<QStandardItem *> items;
            for (int c = 0; c < ColumnCount; ++c) {
                auto *item = new QStandardItem(node.columns.value(c));
                item->setEditable(false);
                items.append(item);
            }
            items[0]->setData(node.key, Qt::UserRole);
            parent->appendRow(items);
            appended = true;
            sync(items[0], node.children);
            continue;
        }
        for (int c = 0; c < ColumnCount; ++c) {
            QStandardItem *item = c == 0 ? parent->child(*it) : parent->child(*it, c);
            if (item && item->text() != node.columns.value(c))
                item->setText(node.columns.value(c));
        }
        sync(parent->child(*it), node.children);
    }
    if (appended)
        parent->sortChildren(0);
}

} // namespace qsoketi
