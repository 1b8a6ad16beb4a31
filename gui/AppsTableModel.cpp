// SPDX-License-Identifier: GPL-3.0-or-later
#include "AppsTableModel.h"

#include <QBrush>
#include <QColor>

namespace qsoketi {

namespace {

QString yesNo(bool flag)
{
    return flag ? QStringLiteral("yes") : QStringLiteral("no");
}

} // namespace

AppsTableModel::AppsTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

int AppsTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_apps.size());
}

int AppsTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString AppsTableModel::limitText(int value)
{
    return value <= 0 ? QStringLiteral("unlimited") : QString::number(value);
}

QVariant AppsTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_apps.size())
        return {};
    const App &app = *m_apps[index.row()];
    if (role == IdRole)
        return app.id;
    if (role == Qt::ForegroundRole && !app.enabled)
        return QBrush(QColor(0x9e, 0x9e, 0x9e)); // a disabled app reads as greyed out
    if (role == Qt::ToolTipRole && index.column() == RateLimitsColumn)
        return QStringLiteral("Events per second: backend / client; HTTP API reads per second");
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(index.column())) {
    case IdColumn:
        return app.id;
    case KeyColumn:
        return app.key;
    case EnabledColumn:
        return yesNo(app.enabled);
    case ClientEventsColumn:
        return yesNo(app.enableClientMessages);
    case UserAuthColumn:
        return yesNo(app.enableUserAuthentication);
    case SubscriptionCountColumn:
        return yesNo(app.enableSubscriptionCount);
    case MaxConnectionsColumn:
        return limitText(app.maxConnections);
    case RateLimitsColumn:
        return QStringLiteral("%1 / %2 / %3")
            .arg(limitText(app.maxBackendEventsPerSecond), limitText(app.maxClientEventsPerSecond),
                limitText(app.maxReadRequestsPerSecond));
    case WebhooksColumn:
        return app.webhooks.size();
    case ColumnCount:
        break;
    }
    return {};
}

QVariant AppsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *const titles[ColumnCount] = {"App ID", "Key", "Enabled", "Client events", "User auth",
        "Subscription count", "Max connections", "Rate limits (events/s, reads/s)", "Webhooks"};
    return section >= 0 && section < ColumnCount ? QString::fromLatin1(titles[section]) : QVariant();
}

void AppsTableModel::setApps(const QList<AppPtr> &apps)
{
    beginResetModel();
    m_apps = apps;
    endResetModel();
}

void AppsTableModel::upsert(const AppPtr &app)
{
    if (!app)
        return;
    const int row = rowOf(app->id);
    if (row >= 0) {
        m_apps[row] = app;
        emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
        return;
    }
    beginInsertRows({}, int(m_apps.size()), int(m_apps.size()));
    m_apps.append(app);
    endInsertRows();
}

void AppsTableModel::remove(const QString &id)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    m_apps.removeAt(row);
    endRemoveRows();
}

AppPtr AppsTableModel::find(const QString &id) const
{
    return app(rowOf(id));
}

int AppsTableModel::rowOf(const QString &id) const
{
    for (int row = 0; row < m_apps.size(); ++row)
        if (m_apps[row]->id == id)
            return row;
    return -1;
}

} // namespace qsoketi
