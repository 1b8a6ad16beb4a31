// SPDX-License-Identifier: GPL-3.0-or-later
#include "ActivityLogModel.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>

namespace qsoketi {

ActivityLogModel::ActivityLogModel(int maxRows, QObject *parent)
    : QAbstractTableModel(parent)
    , m_maxRows(qMax(1, maxRows))
{
    m_flushTimer.setInterval(flushIntervalMs);
    m_flushTimer.setSingleShot(true);
    connect(&m_flushTimer, &QTimer::timeout, this, &ActivityLogModel::flush);
}

QString ActivityLogModel::kindName(ActivityEvent::Kind kind)
{
    switch (kind) {
    case ActivityEvent::Kind::Connected:
        return QStringLiteral("connected");
    case ActivityEvent::Kind::Disconnected:
        return QStringLiteral("disconnected");
    case ActivityEvent::Kind::Subscribed:
        return QStringLiteral("subscribed");
    case ActivityEvent::Kind::Unsubscribed:
        return QStringLiteral("unsubscribed");
    case ActivityEvent::Kind::ClientEvent:
        return QStringLiteral("client event");
    case ActivityEvent::Kind::ApiEvent:
        return QStringLiteral("api event");
    case ActivityEvent::Kind::Error:
        return QStringLiteral("error");
    }
    return QString();
}

void ActivityLogModel::appendEvents(const QList<ActivityEvent> &events)
{
    m_received += quint64(events.size());
    // Only the newest maxRows can ever be shown: skip the rest of a huge batch outright.
    const qsizetype skip = qMax<qsizetype>(0, events.size() - m_maxRows);
    m_dropped += quint64(skip);
    for (qsizetype i = skip; i < events.size(); ++i)
        m_pending.push_back(events[i]);
    while (qsizetype(m_pending.size()) > m_maxRows) {
        m_pending.pop_front();
        ++m_dropped;
    }
    if (!m_paused && !m_flushTimer.isActive())
        m_flushTimer.start();
}

void ActivityLogModel::flush()
{
    if (m_paused || m_pending.empty())
        return;
    const int incoming = int(m_pending.size());
    const int current = int(m_rows.size());
    const int overflow = current + incoming - m_maxRows;
    if (overflow >= current && current > 0) {
        // Every current row goes: one reset is cheaper than remove + insert.
        beginResetModel();
        m_rows.clear();
        m_rows.insert(
            m_rows.end(), std::make_move_iterator(m_pending.begin()), std::make_move_iterator(m_pending.end()));
        m_pending.clear();
        endResetModel();
    } else {
        if (overflow > 0) {
            beginRemoveRows(QModelIndex(), 0, overflow - 1);
            m_rows.erase(m_rows.begin(), m_rows.begin() + overflow);
            endRemoveRows();
        }
        const int first = int(m_rows.size());
        beginInsertRows(QModelIndex(), first, first + incoming - 1);
        m_rows.insert(
            m_rows.end(), std::make_move_iterator(m_pending.begin()), std::make_move_iterator(m_pending.end()));
        m_pending.clear();
        endInsertRows();
    }
    emit flushed();
}

void ActivityLogModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_pending.clear();
    endResetModel();
}

void ActivityLogModel::setPaused(bool paused)
{
    m_paused = paused;
    if (!paused && !m_pending.empty() && !m_flushTimer.isActive())
        m_flushTimer.start();
}

int ActivityLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ActivityLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ActivityLogModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_rows.size()))
        return {};
    const ActivityEvent &e = m_rows[size_t(index.row())];
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case TimeColumn:
            return QDateTime::fromMSecsSinceEpoch(e.timeMs).toString(QStringLiteral("HH:mm:ss.zzz"));
        case KindColumn:
            return kindName(e.kind);
        case AppColumn:
            return e.appId;
        case SocketColumn:
            return e.socketId;
        case ChannelColumn:
            return e.channel;
        case EventColumn:
            return e.event;
        case PayloadColumn:
            // The full payload is in the inspector; a table cell only needs the start.
            return QString::fromUtf8(e.payload.left(160)).simplified();
        }
    } else if (role == Qt::ForegroundRole && index.column() == KindColumn) {
        switch (e.kind) {
        case ActivityEvent::Kind::Error:
            return QBrush(QColor(0xc6, 0x28, 0x28));
        case ActivityEvent::Kind::ApiEvent:
        case ActivityEvent::Kind::ClientEvent:
            return QBrush(QColor(0x15, 0x65, 0xc0));
        case ActivityEvent::Kind::Connected:
        case ActivityEvent::Kind::Subscribed:
            return QBrush(QColor(0x2e, 0x7d, 0x32));
        default:
            return QBrush(QColor(0x61, 0x61, 0x61));
        }
    }
    return {};
}

QVariant ActivityLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *titles[] = {"Time", "Kind", "App", "Socket", "Channel", "Event", "Payload"};
    return section >= 0 && section < ColumnCount ? QString::fromLatin1(titles[section]) : QVariant();
}

} // namespace qsoketi
