// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QSortFilterProxyModel>

#include "server/ActivityFeed.h"

namespace qsoketi {

class ActivityLogModel;

// The console's filters: app (exact), kinds (a set), trace (one socket, user or channel: exact), channel
// and event name (substring), free text (substring in any field, payload included). Reads events straight
// from the model, not through QVariant.
class ActivityFilterProxyModel : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    static constexpr quint32 allKinds = 0xffffffffu;
    static constexpr quint32 kindBit(ActivityEvent::Kind kind) { return 1u << unsigned(kind); }

    explicit ActivityFilterProxyModel(ActivityLogModel *source, QObject *parent = nullptr);

    void setAppFilter(const QString &appId);
    void setChannelFilter(const QString &text);
    void setEventFilter(const QString &text);
    void setTextFilter(const QString &text);
    // Only events whose kind's bit is set (kindBit(...) | ...); allKinds shows everything.
    void setKindFilter(quint32 kinds);
    quint32 kindFilter() const { return m_kinds; }
    // A live trace: events of this socket id, of any socket of this presence user id, or on this channel.
    void setTrace(const QString &socketUserOrChannel);
    QString trace() const { return m_trace; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    void apply(QString *field, const QString &value);
    bool traced(const ActivityEvent &e) const;

    ActivityLogModel *m_log;
    QString m_app;
    QString m_channel;
    QString m_event;
    QString m_text;
    QString m_trace;
    quint32 m_kinds = allKinds;
};

} // namespace qsoketi
