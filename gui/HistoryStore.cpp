// SPDX-License-Identifier: GPL-3.0-or-later
#include "HistoryStore.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QVariant>

Q_LOGGING_CATEGORY(lcHistory, "qsoketi.dashboard.history")

namespace qsoketi {

namespace {

constexpr qint64 minuteMs = 60 * 1000;

// The all-apps key is an empty QString, which Qt SQL binds as NULL: bind a non-null empty string instead.
QString key(const QString &app)
{
    return app.isEmpty() ? QStringLiteral("") : app;
}
int g_connections = 0; // GUI thread only: each store has its own connection name

} // namespace

QString HistoryStore::defaultPath(quint16 port)
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
        + QStringLiteral("/history-%1.sqlite").arg(port);
}

HistoryStore::HistoryStore(const QString &path, QObject *parent)
    : QObject(parent)
    , m_path(path)
    , m_connection(QStringLiteral("qsoketi-history-%1").arg(++g_connections))
{
    m_flushTimer.setInterval(flushIntervalMs);
    connect(&m_flushTimer, &QTimer::timeout, this, [this] { flush(); });
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
    db.setDatabaseName(path);
    if (!db.open()) {
        m_error = db.lastError().text();
        qCWarning(lcHistory).noquote() << "cannot open the chart history" << path << ":" << m_error
                                       << "- the charts work, but forget their history when the window closes";
        return;
    }
    m_open = exec(QStringLiteral("PRAGMA journal_mode=WAL")) && exec(QStringLiteral("PRAGMA synchronous=NORMAL"))
        && exec(QStringLiteral("CREATE TABLE IF NOT EXISTS samples (res INTEGER NOT NULL, app TEXT NOT NULL, "
                               "series INTEGER NOT NULL, t INTEGER NOT NULL, v REAL NOT NULL, "
                               "PRIMARY KEY (res, app, series, t)) WITHOUT ROWID"))
        // Downsampling and pruning select by time across every app and series.
        && exec(QStringLiteral("CREATE INDEX IF NOT EXISTS samples_by_time ON samples (res, t)"));
    if (!m_open)
        return;
    // Minutes already downsampled by an earlier run are not averaged again.
    QSqlQuery last(db);
    if (last.exec(QStringLiteral("SELECT MAX(t) FROM samples WHERE res = 1")) && last.next() && !last.isNull(0))
        m_downsampledUntil = last.value(0).toLongLong() + minuteMs;
    m_flushTimer.start();
}

HistoryStore::~HistoryStore()
{
    if (m_open)
        flush();
    QSqlDatabase::database(m_connection, false).close();
    QSqlDatabase::removeDatabase(m_connection);
}

bool HistoryStore::exec(const QString &sql)
{
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    if (query.exec(sql))
        return true;
    m_error = query.lastError().text();
    qCWarning(lcHistory).noquote() << "chart history" << m_path << ":" << m_error;
    return false;
}

void HistoryStore::append(const QString &app, int series, qint64 timeMs, double value)
{
    if (!m_open)
        return;
    if (m_pending.size() >= maxPendingRows)
        m_pending.removeFirst();
    m_pending.append({app, series, timeMs, value});
}

bool HistoryStore::flush(qint64 nowMs)
{
    if (!m_open)
        return false;
    QElapsedTimer clock;
    clock.start();
    if (nowMs <= 0)
        nowMs = QDateTime::currentMSecsSinceEpoch();
    const qint64 until = nowMs / minuteMs * minuteMs;
    if (m_pending.isEmpty() && until <= m_downsampledUntil)
        return true; // nothing to write; old rows are pruned with the next minute
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    db.transaction();
    bool ok = true;
    // The first failure's reason is the one worth logging.
    const auto run = [this, &ok](QSqlQuery &query) {
        if (!query.exec() && ok) {
            ok = false;
            m_error = query.lastError().text();
        }
    };
    if (!m_pending.isEmpty()) {
        QSqlQuery insert(db);
        insert.prepare(
            QStringLiteral("INSERT OR REPLACE INTO samples (res, app, series, t, v) VALUES (0, ?, ?, ?, ?)"));
        for (const Row &row : std::as_const(m_pending)) {
            insert.bindValue(0, key(row.app));
            insert.bindValue(1, row.series);
            insert.bindValue(2, row.timeMs);
            insert.bindValue(3, row.value);
            run(insert);
        }
    }
    // Every minute that ended before now becomes one row per series: the average of its 1 s rows.
    if (until > m_downsampledUntil) {
        QSqlQuery down(db);
        down.prepare(QStringLiteral("INSERT OR REPLACE INTO samples (res, app, series, t, v) "
                                    "SELECT 1, app, series, (t / 60000) * 60000, AVG(v) FROM samples "
                                    "WHERE res = 0 AND t >= ? AND t < ? GROUP BY app, series, t / 60000"));
        down.addBindValue(m_downsampledUntil);
        down.addBindValue(until);
        run(down);
        // Expired rows go once a minute too, not on every write.
        QSqlQuery prune(db);
        prune.prepare(QStringLiteral("DELETE FROM samples WHERE (res = 0 AND t < ?) OR (res = 1 AND t < ?)"));
        prune.addBindValue(nowMs - secondsKeptMs);
        prune.addBindValue(nowMs - minutesKeptMs);
        run(prune);
    }
    if (!ok || !db.commit()) {
        if (ok)
            m_error = db.lastError().text();
        qCWarning(lcHistory).noquote() << "could not write the chart history" << m_path << ":" << m_error
                                       << "- check free disk space; the charts keep working";
        db.rollback();
        m_lastFlushUs = clock.nsecsElapsed() / 1000;
        return false;
    }
    m_pending.clear();
    if (until > m_downsampledUntil)
        m_downsampledUntil = until;
    m_lastFlushUs = clock.nsecsElapsed() / 1000;
    return true;
}

QList<QPointF> HistoryStore::samples(
    Resolution resolution, const QString &app, int series, qint64 fromMs, qint64 toMs) const
{
    QList<QPointF> out;
    if (!m_open)
        return out;
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.setForwardOnly(true);
    query.prepare(QStringLiteral(
        "SELECT t, v FROM samples WHERE res = ? AND app = ? AND series = ? AND t >= ? AND t <= ? ORDER BY t"));
    query.addBindValue(int(resolution));
    query.addBindValue(key(app));
    query.addBindValue(series);
    query.addBindValue(fromMs);
    query.addBindValue(toMs);
    if (query.exec())
        while (query.next())
            out.append(QPointF(double(query.value(0).toLongLong()), query.value(1).toDouble()));
    return out;
}

QList<QPointF> HistoryStore::points(
    const QString &app, int series, qint64 fromMs, qint64 toMs, qint64 nowMs, int maxPoints) const
{
    QList<QPointF> out;
    if (!m_open || toMs <= fromMs || maxPoints < 1)
        return out;
    const Resolution resolution = fromMs >= nowMs - secondsKeptMs ? Seconds : Minutes;
    // Averaged into buckets by SQLite itself: a week of minutes is 10,080 rows, read in C, not in Qt.
    const qint64 width = qMax<qint64>(1, (toMs - fromMs + maxPoints - 1) / maxPoints);
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT AVG(t), AVG(v) FROM samples WHERE res = ? AND app = ? AND series = ? "
                                 "AND t >= ? AND t <= ? GROUP BY (t - ?) / ? ORDER BY 1"));
    query.addBindValue(int(resolution));
    query.addBindValue(key(app));
    query.addBindValue(series);
    query.addBindValue(fromMs);
    query.addBindValue(toMs);
    query.addBindValue(fromMs);
    query.addBindValue(width);
    if (query.exec())
        while (query.next())
            out.append(QPointF(query.value(0).toDouble(), query.value(1).toDouble()));
    return out;
}

qint64 HistoryStore::rowCount(Resolution resolution) const
{
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    query.prepare(QStringLiteral("SELECT COUNT(*) FROM samples WHERE res = ?"));
    query.addBindValue(int(resolution));
    return m_open && query.exec() && query.next() ? query.value(0).toLongLong() : 0;
}

QStringList HistoryStore::appIds() const
{
    QStringList ids;
    QSqlQuery query(QSqlDatabase::database(m_connection, false));
    if (m_open && query.exec(QStringLiteral("SELECT DISTINCT app FROM samples WHERE app <> '' ORDER BY app")))
        while (query.next())
            ids.append(query.value(0).toString());
    return ids;
}

} // namespace qsoketi
