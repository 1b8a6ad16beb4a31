// SPDX-License-Identifier: GPL-3.0-or-later
#include "DeliveryLogModel.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>

namespace qsoketi {

using Outcome = DeliveryRecord::Outcome;

DeliveryLogModel::DeliveryLogModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

void DeliveryLogModel::setRecords(const QList<DeliveryRecord> &records)
{
    m_all = QList<DeliveryRecord>(records.crbegin(), records.crend());
    refilter();
}

void DeliveryLogModel::setFilter(const QString &appId, const QString &outcome, const QString &text)
{
    m_app = appId;
    m_outcome = outcome;
    m_text = text.trimmed();
    refilter();
}

void DeliveryLogModel::refilter()
{
    QList<DeliveryRecord> rows;
    for (const DeliveryRecord &record : std::as_const(m_all))
        if (accepts(record))
            rows.append(record);
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

bool DeliveryLogModel::accepts(const DeliveryRecord &record) const
{
    if (!m_app.isEmpty() && record.appId != m_app)
        return false;
    if (!m_outcome.isEmpty() && DeliveryRecord::outcomeName(record.outcome) != m_outcome)
        return false;
    return m_text.isEmpty() || record.url.contains(m_text, Qt::CaseInsensitive)
        || record.eventSummary().contains(m_text, Qt::CaseInsensitive);
}

const DeliveryRecord *DeliveryLogModel::record(int row) const
{
    return row >= 0 && row < m_rows.size() ? &m_rows[row] : nullptr;
}

int DeliveryLogModel::rowOf(quint64 id) const
{
    for (int row = 0; row < m_rows.size(); ++row)
        if (m_rows[row].id == id)
            return row;
    return -1;
}

int DeliveryLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int DeliveryLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DeliveryLogModel::data(const QModelIndex &index, int role) const
{
    const DeliveryRecord *r = record(index.row());
    if (!r)
        return {};
    if (role == IdRole)
        return QVariant::fromValue(r->id);
    const DeliveryAttempt *last = r->attempts.isEmpty() ? nullptr : &r->attempts.constLast();
    if (role == Qt::ForegroundRole && index.column() == OutcomeColumn) {
        if (r->outcome == Outcome::Delivered)
            return QBrush(QColor(0x2e, 0x7d, 0x32));
        if (r->outcome == Outcome::Retrying || r->outcome == Outcome::Pending)
            return QBrush(QColor(0xef, 0x6c, 0x00));
        return QBrush(QColor(0xc6, 0x28, 0x28));
    }
    if (role == Qt::ToolTipRole && index.column() == EventsColumn)
        return r->eventSummary();
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(index.column())) {
    case TimeColumn:
        return QDateTime::fromMSecsSinceEpoch(r->createdMs).toString(QStringLiteral("HH:mm:ss.zzz"));
    case AppColumn:
        return r->appId;
    case UrlColumn:
        return r->url;
    case EventsColumn:
        return r->eventSummary();
    case AttemptsColumn:
        return r->attemptCount;
    case ResultColumn:
        if (!last)
            return QStringLiteral("—");
        return last->status != 0 ? QString::number(last->status) : last->error;
    case LatencyColumn:
        return last ? QStringLiteral("%1 ms").arg(last->latencyMs) : QStringLiteral("—");
    case OutcomeColumn: {
        QString text = DeliveryRecord::outcomeName(r->outcome);
        if (r->replayOf != 0)
            text += QStringLiteral(" (replay of %1)").arg(r->replayOf);
        return text;
    }
    case ColumnCount:
        break;
    }
    return {};
}

QVariant DeliveryLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *const titles[] = {
        "Time", "App", "URL", "Events", "Attempts", "Status / error", "Latency", "Outcome"};
    return section >= 0 && section < ColumnCount ? QString::fromLatin1(titles[section]) : QVariant();
}

} // namespace qsoketi
