// SPDX-License-Identifier: GPL-3.0-or-later
#include "ActivityFilterProxyModel.h"

#include "ActivityLogModel.h"

namespace qsoketi {

ActivityFilterProxyModel::ActivityFilterProxyModel(ActivityLogModel *source, QObject *parent)
    : QSortFilterProxyModel(parent)
    , m_log(source)
{
    setSourceModel(source);
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

bool ActivityFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &) const
{
    const ActivityEvent &e = m_log->event(sourceRow);
    if (!m_app.isEmpty() && e.appId != m_app)
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
