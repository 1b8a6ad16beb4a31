// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QStandardItemModel>
#include <QStringList>

namespace qsoketi {

struct ChannelsSnapshot;

// Live tree of apps → channels → presence members. Refreshed from the server's channels snapshot once
// per second and merged in place (rows keyed by name), so expanded rows and the selection survive
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

    explicit ChannelsModel(QObject *parent = nullptr);

    static QList<Node> read(const ChannelsSnapshot &snapshot);
    void setNodes(const QList<Node> &apps);
    void refresh(const ChannelsSnapshot &snapshot) { setNodes(read(snapshot)); }

private:
    void sync(QStandardItem *parent, const QList<Node> &nodes);
};

} // namespace qsoketi
