// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractTableModel>
#include <QList>

#include "apps/AppPtr.h"

namespace qsoketi {

// The apps of the store, one row each, as the Apps tab lists them. Holds the apps as the store returned
// them but never shows a secret: the secret and the webhooks (whose URLs may carry tokens) are left to
// AppDetailsPanel, which hides them until asked.
class AppsTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        IdColumn,
        KeyColumn,
        EnabledColumn,
        ClientEventsColumn,
        UserAuthColumn,
        SubscriptionCountColumn,
        MaxConnectionsColumn,
        RateLimitsColumn,
        WebhooksColumn,
        ColumnCount
    };
    // The app's id for rows (any column), for selections that survive refreshes.
    static constexpr int IdRole = Qt::UserRole + 1;

    explicit AppsTableModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Replaces every row (a fresh list from the store).
    void setApps(const QList<AppPtr> &apps);
    // One app changed or appeared (appChanged, or the answer to a write).
    void upsert(const AppPtr &app);
    void remove(const QString &id);

    AppPtr app(int row) const { return m_apps.value(row); }
    AppPtr find(const QString &id) const;
    int rowOf(const QString &id) const;
    const QList<AppPtr> &apps() const { return m_apps; }

    // "unlimited" for -1/0 limits, else the number.
    static QString limitText(int value);

private:
    QList<AppPtr> m_apps;
};

} // namespace qsoketi
