// SPDX-License-Identifier: GPL-3.0-or-later
#include "ChannelsModel.h"

#include <algorithm>

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "channels/ChannelsSnapshot.h"

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
    setHorizontalHeaderLabels({tr("App / channel / member"), tr("Type"), tr("Subscribers"), tr("Info")});
}

namespace {

QString typeText(const ChannelsSnapshot::ChannelEntry &channel)
{
    QString type;
    switch (channel.type) {
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
    return channel.cache ? QStringLiteral("cache, ") + type : type;
}

} // namespace

QList<ChannelsModel::Node> ChannelsModel::read(const ChannelsSnapshot &snapshot)
{
    QList<Node> apps;
    for (const ChannelsSnapshot::AppEntry &entry : snapshot.apps) {
        Node app{entry.appId,
            {entry.appId, QStringLiteral("app"), QString::number(entry.connections),
                QStringLiteral("%1 channel(s)").arg(entry.channelCount)},
            {}};
        for (const ChannelsSnapshot::ChannelEntry &channel : entry.channels) {
            const bool presence = channel.type == ChannelName::Type::Presence;
            Node node{channel.name,
                {channel.name, typeText(channel), QString::number(channel.subscriptionCount),
                    presence ? QStringLiteral("%1 member(s)").arg(channel.members.size()) : QString()},
                {}};
            for (const ChannelsSnapshot::Member &member : channel.members)
                node.children.append(Node{member.userId,
                    {member.userId, QStringLiteral("member"), QString::number(member.connections),
                        jsonText(member.info)},
                    {}});
            app.children.append(std::move(node));
        }
        if (entry.channelCount > entry.channels.size())
            app.children.append(Node{QStringLiteral("\x1f more"),
                {QStringLiteral("… %1 more channel(s)").arg(entry.channelCount - entry.channels.size()), {}, {}, {}},
                {}});
        apps.append(std::move(app));
    }
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
