// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QSortFilterProxyModel>

namespace qsoketi {

class ActivityLogModel;

// The console's filters: app (exact), channel and event name (substring), free text (substring in any
// field, payload included). Reads events straight from the model, not through QVariant.
class ActivityFilterProxyModel : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit ActivityFilterProxyModel(ActivityLogModel *source, QObject *parent = nullptr);

    void setAppFilter(const QString &appId);
    void setChannelFilter(const QString &text);
    void setEventFilter(const QString &text);
    void setTextFilter(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    void apply(QString *field, const QString &value);

    ActivityLogModel *m_log;
    QString m_app;
    QString m_channel;
    QString m_event;
    QString m_text;
};

} // namespace qsoketi
