// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QStandardItemModel>
#include <QStringList>

namespace qsoketi {

class PusherServer;

// Live tree of apps → channels → presence members. Refreshed from a plain-data reading of the server
// once per second and merged in place (rows keyed by name), so expanded rows and the selection survive
// refreshes.
class ChannelsModel : public QStandardItemModel
{
    Q_OBJECT

public:
    enum Column
    {
        NameColumn,
        TypeColumn,
        SubscribersColumn,
        InfoColumn,
        ColumnCount
    };
    // One row of the tree: key identifies it among its siblings.
    struct Node
    {
        QString key;
        QStringList columns; // ColumnCount texts
        QList<Node> children;
    };

    // Channels shown per app at most; the rest is summarised in one row (a load test may open 100k).
    static constexpr int maxChannelsPerApp = 2000;

    explicit ChannelsModel(QObject *parent = nullptr);

    // Reads the server's apps and channels (GUI thread only).
    static QList<Node> read(const PusherServer &server);
    static QString typeText(const class Channel &channel);
    void setNodes(const QList<Node> &apps);
    void refresh(const PusherServer &server) { setNodes(read(server)); }

private:
    void sync(QStandardItem *parent, const QList<Node> &nodes);
};

} // namespace qsoketi
