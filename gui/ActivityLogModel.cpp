// SPDX-License-Identifier: GPL-3.0-or-later
#include "ActivityLogModel.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QGuiApplication>
#include <QPalette>

#include "PayloadText.h"

namespace qsoketi {

namespace {

using Kind = ActivityEvent::Kind;
using Counts = std::array<int, ActivityLogModel::GroupCount>;

// Which of `n` events (in time order, read through `at`) stay when at most `cap` may: while over the cap,
// the oldest event of the largest group goes. One forward cursor per group keeps this O(n).
template <typename At> std::vector<bool> keepMask(size_t n, const At &at, int cap, Counts counts)
{
    std::vector<bool> keep(n, true);
    std::array<size_t, ActivityLogModel::GroupCount> cursor{};
    for (qsizetype excess = qsizetype(n) - cap; excess > 0; --excess) {
        int largest = 0;
        for (int g = 1; g < ActivityLogModel::GroupCount; ++g)
            if (counts[size_t(g)] > counts[size_t(largest)])
                largest = g;
        size_t &i = cursor[size_t(largest)];
        while (ActivityLogModel::groupOf(at(i).kind) != largest)
            ++i;
        keep[i++] = false;
        --counts[size_t(largest)];
    }
    return keep;
}

Counts countGroups(const std::deque<ActivityEvent> &events)
{
    Counts counts{};
    for (const ActivityEvent &e : events)
        ++counts[size_t(ActivityLogModel::groupOf(e.kind))];
    return counts;
}

} // namespace

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
    case Kind::Connected:
        return tr("connected");
    case Kind::Disconnected:
        return tr("disconnected");
    case Kind::Subscribed:
        return tr("subscribed");
    case Kind::Unsubscribed:
        return tr("unsubscribed");
    case Kind::ClientEvent:
        return tr("client event");
    case Kind::ApiEvent:
        return tr("api event");
    case Kind::Error:
        return tr("error");
    case Kind::ChannelOccupied:
        return tr("occupied");
    case Kind::ChannelVacated:
        return tr("vacated");
    case Kind::MemberAdded:
        return tr("member added");
    case Kind::MemberRemoved:
        return tr("member removed");
    case Kind::Alert:
        return tr("alert");
    }
    return QString();
}

ActivityLogModel::Group ActivityLogModel::groupOf(ActivityEvent::Kind kind)
{
    switch (kind) {
    case Kind::Connected:
    case Kind::Disconnected:
        return ConnectionGroup;
    case Kind::Subscribed:
    case Kind::Unsubscribed:
        return SubscriptionGroup;
    case Kind::ChannelOccupied:
    case Kind::ChannelVacated:
    case Kind::MemberAdded:
    case Kind::MemberRemoved:
        return ChannelGroup;
    case Kind::ClientEvent:
    case Kind::ApiEvent:
        return MessageGroup;
    case Kind::Error:
    case Kind::Alert:
        return ErrorGroup;
    }
    return ErrorGroup;
}

void ActivityLogModel::learnUser(const ActivityEvent &e)
{
    if ((e.kind != Kind::Subscribed && e.kind != Kind::MemberAdded) || e.payload.isEmpty() || e.socketId.isEmpty())
        return;
    const QString user = QString::fromUtf8(e.payload);
    auto it = m_users.find(e.socketId);
    if (it != m_users.end() && *it == user)
        return;
    if (m_users.size() >= maxKnownUsers)
        m_users.clear(); // rare and harmless: only the trace of old sockets by user id is forgotten
    m_users.insert(e.socketId, user);
    emit userLearnt(e.socketId, user);
}

void ActivityLogModel::appendEvents(const QList<ActivityEvent> &events)
{
    m_received += quint64(events.size());
    for (const ActivityEvent &e : events) {
        learnUser(e);
        m_pending.push_back(e);
    }
    boundPending();
    if (!m_paused && !m_flushTimer.isActive())
        m_flushTimer.start();
}

void ActivityLogModel::boundPending()
{
    if (qsizetype(m_pending.size()) <= m_maxRows)
        return;
    const auto at = [this](size_t i) -> const ActivityEvent & { return m_pending[i]; };
    const std::vector<bool> keep = keepMask(m_pending.size(), at, m_maxRows, countGroups(m_pending));
    std::deque<ActivityEvent> kept;
    for (size_t i = 0; i < keep.size(); ++i)
        if (keep[i])
            kept.push_back(std::move(m_pending[i]));
    m_dropped += quint64(m_pending.size() - kept.size());
    m_pending.swap(kept);
}

void ActivityLogModel::flush()
{
    if (m_paused || m_pending.empty())
        return;
    const size_t current = m_rows.size();
    Counts counts = m_groupRows;
    for (const ActivityEvent &e : m_pending)
        ++counts[size_t(groupOf(e.kind))];
    const auto at = [this, current](
                        size_t i) -> const ActivityEvent & { return i < current ? m_rows[i] : m_pending[i - current]; };
    const std::vector<bool> keep = keepMask(current + m_pending.size(), at, m_maxRows, counts);
    removeRows(keep, int(current));
    std::deque<ActivityEvent> incoming;
    for (size_t i = 0; i < m_pending.size(); ++i)
        if (keep[current + i])
            incoming.push_back(std::move(m_pending[i]));
    m_dropped += quint64(m_pending.size() - incoming.size());
    m_pending.clear();
    if (!incoming.empty()) {
        const int first = int(m_rows.size());
        beginInsertRows(QModelIndex(), first, first + int(incoming.size()) - 1);
        m_rows.insert(m_rows.end(), std::make_move_iterator(incoming.begin()), std::make_move_iterator(incoming.end()));
        endInsertRows();
    }
    m_groupRows = countGroups(m_rows);
    emit flushed();
}

void ActivityLogModel::removeRows(const std::vector<bool> &keep, int current)
{
    // Evicted rows form runs; a few runs are removed one by one, many at once by a reset.
    QList<std::pair<int, int>> runs;
    for (int i = 0; i < current; ++i) {
        if (keep[size_t(i)])
            continue;
        if (!runs.isEmpty() && runs.last().second == i - 1)
            runs.last().second = i;
        else
            runs.append({i, i});
    }
    if (runs.isEmpty())
        return;
    if (runs.size() > 16) {
        beginResetModel();
        std::deque<ActivityEvent> kept;
        for (int i = 0; i < current; ++i)
            if (keep[size_t(i)])
                kept.push_back(std::move(m_rows[size_t(i)]));
        m_rows.swap(kept);
        endResetModel();
        return;
    }
    for (auto run = runs.crbegin(); run != runs.crend(); ++run) {
        beginRemoveRows(QModelIndex(), run->first, run->second);
        m_rows.erase(m_rows.begin() + run->first, m_rows.begin() + run->second + 1);
        endRemoveRows();
    }
}

void ActivityLogModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_pending.clear();
    m_groupRows = {};
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
            // Decoded: {"message":"hi"}, not "{\"message\":\"hi\"}". The inspector shows it indented.
            return PayloadText::compact(e.payload);
        }
    } else if (role == Qt::ForegroundRole && index.column() == KindColumn) {
        // Lighter shades on a dark palette, so the kinds stay readable there too.
        const bool dark = QGuiApplication::palette().color(QPalette::Base).lightness() < 128;
        switch (groupOf(e.kind)) {
        case ErrorGroup:
            return QBrush(dark ? QColor(0xef, 0x9a, 0x9a) : QColor(0xc6, 0x28, 0x28));
        case MessageGroup:
            return QBrush(dark ? QColor(0x90, 0xca, 0xf9) : QColor(0x15, 0x65, 0xc0));
        case ChannelGroup:
            return QBrush(dark ? QColor(0xce, 0x93, 0xd8) : QColor(0x6a, 0x1b, 0x9a));
        default:
            return QBrush(dark ? QColor(0xa5, 0xd6, 0xa7) : QColor(0x2e, 0x7d, 0x32));
        }
    }
    return {};
}

QVariant ActivityLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case KindColumn:
        return tr("Kind");
    case AppColumn:
        return tr("App");
    case SocketColumn:
        return tr("Socket");
    case ChannelColumn:
        return tr("Channel");
    case EventColumn:
        return tr("Event / code");
    case PayloadColumn:
        return tr("Data");
    }
    return {};
}

} // namespace qsoketi
