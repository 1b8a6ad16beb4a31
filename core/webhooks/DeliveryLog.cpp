// SPDX-License-Identifier: GPL-3.0-or-later
#include "webhooks/DeliveryLog.h"

#include <algorithm>

namespace qsoketi {

void DeliveryRecord::addAttempt(const DeliveryAttempt &attempt)
{
    ++attemptCount;
    attempts.append(attempt);
    if (attempts.size() > maxAttemptsKept)
        attempts.removeFirst();
}

QString DeliveryRecord::outcomeName(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Pending:
        return QStringLiteral("pending");
    case Outcome::Retrying:
        return QStringLiteral("retrying");
    case Outcome::Delivered:
        return QStringLiteral("delivered");
    case Outcome::Failed:
        return QStringLiteral("failed");
    case Outcome::Dropped:
        return QStringLiteral("dropped");
    case Outcome::Abandoned:
        return QStringLiteral("abandoned");
    }
    return {};
}

QJsonObject DeliveryRecord::toJson() const
{
    QJsonArray summary;
    for (const QJsonValue &value : events) {
        const QJsonObject event = value.toObject();
        QJsonObject brief;
        for (const char *field : {"name", "channel", "user_id", "event", "socket_id"}) {
            const QJsonValue v = event.value(QLatin1String(field));
            if (!v.isUndefined())
                brief.insert(QLatin1String(field), v);
        }
        summary.append(brief);
    }
    QJsonArray tries;
    for (const DeliveryAttempt &a : attempts) {
        QJsonObject attempt{{QStringLiteral("at_ms"), a.atMs}, {QStringLiteral("latency_ms"), a.latencyMs}};
        if (a.status != 0)
            attempt.insert(QStringLiteral("status"), a.status);
        if (!a.error.isEmpty())
            attempt.insert(QStringLiteral("error"), a.error);
        tries.append(attempt);
    }
    QJsonObject object{{QStringLiteral("id"), qint64(id)}, {QStringLiteral("app_id"), appId},
        {QStringLiteral("url"), url}, {QStringLiteral("created_ms"), createdMs}, {QStringLiteral("events"), summary},
        {QStringLiteral("attempt_count"), attemptCount}, {QStringLiteral("attempts"), tries},
        {QStringLiteral("outcome"), outcomeName(outcome)}};
    if (!attempts.isEmpty()) {
        const DeliveryAttempt &last = attempts.constLast();
        object.insert(QStringLiteral("status"), last.status != 0 ? QJsonValue(last.status) : QJsonValue());
        object.insert(QStringLiteral("error"), last.error.isEmpty() ? QJsonValue() : QJsonValue(last.error));
        object.insert(QStringLiteral("latency_ms"), last.latencyMs);
    }
    if (outcome == Outcome::Retrying)
        object.insert(QStringLiteral("next_attempt_ms"), nextAttemptMs);
    if (finishedMs != 0) {
        object.insert(QStringLiteral("finished_ms"), finishedMs);
        object.insert(QStringLiteral("total_ms"), finishedMs - createdMs);
    }
    if (replayOf != 0)
        object.insert(QStringLiteral("replay_of"), qint64(replayOf));
    return object;
}

QString DeliveryRecord::eventSummary() const
{
    QStringList parts;
    for (const QJsonValue &value : events) {
        const QJsonObject event = value.toObject();
        QString part =
            event.value(QLatin1String("name")).toString() + u' ' + event.value(QLatin1String("channel")).toString();
        const QString user = event.value(QLatin1String("user_id")).toVariant().toString();
        if (!user.isEmpty())
            part += QStringLiteral(" (%1)").arg(user);
        const QString clientEvent = event.value(QLatin1String("event")).toString();
        if (!clientEvent.isEmpty())
            part += u' ' + clientEvent;
        parts.append(part);
    }
    return parts.join(QStringLiteral(", "));
}

DeliveryLog::DeliveryLog(int perApp)
    : m_perApp(std::max(perApp, 1))
{}

DeliveryRecord &DeliveryLog::add(DeliveryRecord record)
{
    record.id = m_nextId++;
    std::deque<DeliveryRecord> &records = m_byApp[record.appId];
    while (qsizetype(records.size()) >= m_perApp) {
        m_byId.remove(records.front().id);
        records.pop_front();
    }
    records.push_back(std::move(record));
    DeliveryRecord &stored = records.back();
    m_byId.insert(stored.id, &stored);
    ++m_version;
    return stored;
}

DeliveryRecord *DeliveryLog::find(quint64 id)
{
    return m_byId.value(id);
}

const DeliveryRecord *DeliveryLog::find(quint64 id) const
{
    return m_byId.value(id);
}

QList<const DeliveryRecord *> DeliveryLog::records(const QString &appId) const
{
    QList<const DeliveryRecord *> out;
    if (!appId.isEmpty()) {
        const auto it = m_byApp.find(appId);
        if (it != m_byApp.end())
            for (const DeliveryRecord &record : it->second)
                out.append(&record);
        return out;
    }
    for (const auto &[app, records] : m_byApp)
        for (const DeliveryRecord &record : records)
            out.append(&record);
    std::sort(out.begin(), out.end(), [](const DeliveryRecord *a, const DeliveryRecord *b) { return a->id < b->id; });
    return out;
}

QStringList DeliveryLog::apps() const
{
    QStringList out;
    for (const auto &[app, records] : m_byApp)
        out.append(app);
    out.sort();
    return out;
}

} // namespace qsoketi
