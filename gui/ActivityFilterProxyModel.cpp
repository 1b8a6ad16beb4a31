// SPDX-License-Identifier: GPL-3.0-or-later
#include "ActivityFilterProxyModel.h"

#include "ActivityLogModel.h"

namespace qsoketi {

ActivityFilterProxyModel::ActivityFilterProxyModel(ActivityLogModel *source, QObject *parent)
    : QSortFilterProxyModel(parent)
    , m_log(source)
{
    setSourceModel(source);
    // A socket's user is learnt when it subscribes to a presence channel: its earlier rows (connected,
    // public subscriptions) join the trace of that user then.
    connect(source, &ActivityLogModel::userLearnt, this, [this](const QString &, const QString &user) {
        if (!m_trace.isEmpty() && user == m_trace)
            invalidateRowsFilter();
    });
}

void ActivityFilterProxyModel::apply(QString *field, const QString &value)
{
    if (*field == value)
        return;
    *field = value;
    invalidateRowsFilter();
}

void ActivityFilterProxyModel::setAppFilter(const QString &appId)
{
    apply(&m_app, appId);
}

void ActivityFilterProxyModel::setChannelFilter(const QString &text)
{
    apply(&m_channel, text.trimmed());
}

void ActivityFilterProxyModel::setEventFilter(const QString &text)
{
    apply(&m_event, text.trimmed());
}

void ActivityFilterProxyModel::setTextFilter(const QString &text)
{
    apply(&m_text, text);
}

void ActivityFilterProxyModel::setKindFilter(quint32 kinds)
{
    if (m_kinds == kinds)
        return;
    m_kinds = kinds;
    invalidateRowsFilter();
}

void ActivityFilterProxyModel::setTrace(const QString &socketUserOrChannel)
{
    apply(&m_trace, socketUserOrChannel.trimmed());
}

bool ActivityFilterProxyModel::traced(const ActivityEvent &e) const
{
    if (e.socketId == m_trace || e.channel == m_trace)
        return true;
    // Member added/removed carry the user id; other events are the user's through their socket.
    if ((e.kind == ActivityEvent::Kind::MemberAdded || e.kind == ActivityEvent::Kind::MemberRemoved)
        && e.payload == m_trace.toUtf8())
        return true;
    return !e.socketId.isEmpty() && m_log->userOf(e.socketId) == m_trace;
}

bool ActivityFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &) const
{
    const ActivityEvent &e = m_log->event(sourceRow);
    if (!(m_kinds & kindBit(e.kind)))
        return false;
    if (!m_app.isEmpty() && e.appId != m_app)
        return false;
    if (!m_trace.isEmpty() && !traced(e))
        return false;
    if (!m_channel.isEmpty() && !e.channel.contains(m_channel, Qt::CaseInsensitive))
        return false;
    if (!m_event.isEmpty() && !e.event.contains(m_event, Qt::CaseInsensitive))
        return false;
    if (!m_text.isEmpty()) {
        const bool found = e.channel.contains(m_text, Qt::CaseInsensitive)
            || e.event.contains(m_text, Qt::CaseInsensitive) || e.socketId.contains(m_text, Qt::CaseInsensitive)
            || e.appId.contains(m_text, Qt::CaseInsensitive)
            || ActivityLogModel::kindName(e.kind).contains(m_text, Qt::CaseInsensitive)
            || QString::fromUtf8(e.payload).contains(m_text, Qt::CaseInsensitive);
        if (!found)
            return false;
    }
    return true;
}

} // namespace qsoketi
