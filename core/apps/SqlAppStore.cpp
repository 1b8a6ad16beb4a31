// SPDX-License-Identifier: GPL-3.0-or-later
#include "apps/SqlAppStore.h"

#include <QSqlDatabase>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlField>
#include <QSqlQuery>

#include "apps/AppColumns.h"
#include "apps/SqlAppSchema.h"
#include "apps/SqlConnectionFactory.h"

namespace qsoketi {

namespace {

using Driver = AppStoreConfig::Driver;

} // namespace

SqlAppStore::SqlAppStore(const AppStoreConfig &config)
    : m_config(config)
    , m_connectionName(QStringLiteral("qsoketi-apps-%1").arg(quintptr(this), 0, 16))
{}

SqlAppStore::~SqlAppStore()
{
    close();
    if (QSqlDatabase::contains(m_connectionName)) {
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

QSqlDatabase SqlAppStore::database() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

QString SqlAppStore::table() const
{
    const SqlServerConfig *server = SqlConnectionFactory::server(m_config);
    return SqlAppSchema::quoteTable(m_config.driver, server ? server->table : QStringLiteral("apps"));
}

QString SqlAppStore::column(const char *name) const
{
    return SqlAppSchema::quoteColumn(m_config.driver, QLatin1String(name));
}

QString SqlAppStore::description() const
{
    return SqlConnectionFactory::describe(m_config);
}

QString SqlAppStore::describeError(const QString &what, const QString &driverText) const
{
    return QStringLiteral("%1 (%2): %3").arg(what, description(), driverText.simplified());
}

AppStoreReply SqlAppStore::open()
{
    if (m_open) {
        return {};
    }
    AppStoreReply reply = connect();
    if (reply.ok() && m_config.driver == Driver::Sqlite) {
        reply = createSqliteSchema();
    }
    if (reply.ok()) {
        reply = readColumns();
    }
    m_open = reply.ok();
    if (!m_open) {
        database().close();
    }
    return reply;
}

AppStoreReply SqlAppStore::connect()
{
    if (!QSqlDatabase::contains(m_connectionName)) {
        if (const QString error = SqlConnectionFactory::create(m_config, m_connectionName); !error.isEmpty()) {
            return AppStoreReply::failure(error);
        }
    }
    QSqlDatabase db = database();
    if (!db.open()) {
        return AppStoreReply::failure(describeError(QStringLiteral("cannot connect"), db.lastError().text()), true);
    }
    return {};
}

AppStoreReply SqlAppStore::createSqliteSchema()
{
    QSqlQuery query(database());
    // WAL lets the server read while `qsoketi apps` writes.
    const QStringList statements{QStringLiteral("PRAGMA journal_mode=WAL"),
        SqlAppSchema::createTable(m_config.driver, table()),
        QStringLiteral("CREATE UNIQUE INDEX IF NOT EXISTS %1 ON %2 (%3)")
            .arg(column("apps_key_unique"), table(), column("key"))};
    for (const QString &sql : statements) {
        if (!query.exec(sql)) {
            return AppStoreReply::failure(
                describeError(QStringLiteral("cannot create the app table"), query.lastError().text()));
        }
    }
    // A file made by an older qsoketi gains the columns added since.
    if (AppStoreReply reply = readColumns(); !reply.ok()) {
        return reply;
    }
    for (const AppColumns::Field &field : AppColumns::all()) {
        if (!m_columns.contains(QLatin1String(field.column))
            && !query.exec(SqlAppSchema::addColumn(m_config.driver, table(), field))) {
            return AppStoreReply::failure(
                describeError(QStringLiteral("cannot add a column to the app table"), query.lastError().text()));
        }
    }
    return {};
}

AppStoreReply SqlAppStore::readColumns()
{
    QSqlQuery query(database());
    if (!query.exec(QStringLiteral("SELECT * FROM %1 WHERE 1 = 0").arg(table()))) {
        return AppStoreReply::failure(
            describeError(QStringLiteral("cannot read the app table (does it exist?)"), query.lastError().text()));
    }
    m_columns.clear();
    const QSqlRecord record = query.record();
    for (int i = 0; i < record.count(); ++i) {
        m_columns.insert(record.fieldName(i).toLower(), record.field(i).metaType().id());
    }
    for (const char *required : {"id", "key", "secret"}) {
        if (!m_columns.contains(QLatin1String(required))) {
            return AppStoreReply::failure(
                describeError(QStringLiteral("the app table has no %1 column").arg(QLatin1String(required)),
                    QStringLiteral("it needs soketi's schema")));
        }
    }
    return {};
}

void SqlAppStore::close()
{
    m_open = false;
    if (QSqlDatabase::contains(m_connectionName)) {
        database().close();
    }
}

bool SqlAppStore::execute(QSqlQuery &query, const QString &sql, const QVariantList &values)
{
    if (!query.prepare(sql)) {
        return false;
    }
    for (const QVariant &value : values) {
        query.addBindValue(value);
    }
    return query.exec();
}

SqlAppStore::Rows SqlAppStore::select(const QString &sql, const QVariantList &values)
{
    Rows rows;
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (const AppStoreReply opened = open(); !opened.ok()) {
            rows.error = opened.error;
            rows.unavailable = opened.unavailable;
            return rows;
        }
        QSqlQuery query(database());
        query.setForwardOnly(true);
        if (execute(query, sql, values)) {
            while (query.next()) {
                rows.records.append(query.record());
            }
            rows.error.clear();
            return rows;
        }
        rows.error = describeError(QStringLiteral("query failed"), query.lastError().text());
        // The connection may be stale (server restarted): reconnect once. If the retry fails the same way
        // on a fresh connection, the error is real.
        close();
    }
    return rows;
}

AppStoreReply SqlAppStore::write(const QString &sql, const QVariantList &values, int *rowsAffected)
{
    // Writes are not retried (they might have been applied); a cheap read first revives a stale connection.
    if (const Rows alive = select(QStringLiteral("SELECT 1"), {}); !alive.error.isEmpty()) {
        return AppStoreReply::failure(alive.error, alive.unavailable);
    }
    QSqlQuery query(database());
    if (!execute(query, sql, values)) {
        const QString error = query.lastError().text();
        close();
        return AppStoreReply::failure(describeError(QStringLiteral("the database refused the change"), error));
    }
    if (rowsAffected) {
        *rowsAffected = query.numRowsAffected();
    }
    return {};
}

AppPtr SqlAppStore::toApp(const QSqlRecord &record) const
{
    return std::make_shared<const App>(AppColumns::fromRecord(record, m_config.defaults));
}

AppStoreReply SqlAppStore::findBy(const char *name, const QString &value)
{
    const Rows rows =
        select(QStringLiteral("SELECT * FROM %1 WHERE %2 = ?").arg(table(), column(name)), QVariantList{value});
    if (!rows.error.isEmpty()) {
        return AppStoreReply::failure(rows.error, rows.unavailable);
    }
    AppStoreReply reply;
    for (const QSqlRecord &record : rows.records) {
        // MySQL's default collations match 'APP-KEY' and 'app-key ' to 'app-key': only the exact value counts.
        if (record.value(QLatin1String(name)).toString() == value) {
            reply.apps.append(toApp(record));
            break;
        }
    }
    return reply;
}

AppStoreReply SqlAppStore::findById(const QString &id)
{
    return findBy("id", id);
}

AppStoreReply SqlAppStore::findByKey(const QString &key)
{
    return findBy("key", key);
}

AppStoreReply SqlAppStore::findByIds(const QStringList &ids)
{
    AppStoreReply reply;
    constexpr qsizetype chunk = 200;
    for (qsizetype from = 0; from < ids.size(); from += chunk) {
        const QStringList part = ids.mid(from, chunk);
        QStringList marks;
        QVariantList values;
        for (const QString &id : part) {
            marks.append(QStringLiteral("?"));
            values.append(id);
        }
        const Rows rows = select(
            QStringLiteral("SELECT * FROM %1 WHERE %2 IN (%3)").arg(table(), column("id"), marks.join(u',')), values);
        if (!rows.error.isEmpty()) {
            return AppStoreReply::failure(rows.error, rows.unavailable);
        }
        for (const QSqlRecord &record : rows.records) {
            if (part.contains(record.value(QStringLiteral("id")).toString())) {
                reply.apps.append(toApp(record));
            }
        }
    }
    return reply;
}

AppStoreReply SqlAppStore::list()
{
    const Rows rows = select(QStringLiteral("SELECT * FROM %1 ORDER BY %2").arg(table(), column("id")), {});
    if (!rows.error.isEmpty()) {
        return AppStoreReply::failure(rows.error, rows.unavailable);
    }
    AppStoreReply reply;
    for (const QSqlRecord &record : rows.records) {
        reply.apps.append(toApp(record));
    }
    return reply;
}

QVariant SqlAppStore::bindable(const QString &columnName, const QVariant &value) const
{
    const int type = m_columns.value(columnName, QMetaType::UnknownType);
    if (value.typeId() == QMetaType::Bool && type != QMetaType::Bool) {
        return QVariant(value.toBool() ? 1 : 0); // soketi's tinyint/smallint flags
    }
    if (value.isNull() && value.typeId() == QMetaType::UnknownType) {
        return QVariant(QMetaType(type == QMetaType::UnknownType ? int(QMetaType::QString) : type));
    }
    return value;
}

QString SqlAppStore::missingColumnHint(const QString &columnName) const
{
    const AppColumns::Field *field = AppColumns::find(columnName);
    return QStringLiteral("the app table has no %1 column; add it with: %2")
        .arg(columnName, field ? SqlAppSchema::addColumn(m_config.driver, table(), *field) : QString());
}

QString SqlAppStore::columnValues(const QJsonObject &fields, QStringList *columns, QVariantList *values)
{
    for (auto it = fields.constBegin(); it != fields.constEnd(); ++it) {
        const AppColumns::Field *field = AppColumns::find(it.key());
        if (!field) {
            return QStringLiteral("unknown app field \"%1\"").arg(it.key());
        }
        QVariant value;
        QString error;
        if (!AppColumns::validate(*field, it.value(), &value, &error)) {
            return error;
        }
        const QString columnName = QLatin1String(field->column);
        if (!m_columns.contains(columnName)) {
            readColumns(); // the operator may have added it since we connected
            if (!m_columns.contains(columnName)) {
                return missingColumnHint(columnName);
            }
        }
        const bool nullable = field->serverDefault || field->type == AppColumns::Type::String
            || field->type == AppColumns::Type::Int64; // the last two: the previous secret and its expiry
        if (value.isNull() && !nullable) {
            value = AppColumns::defaultValue(*field, m_config.defaults); // soketi's NOT NULL columns
        }
        columns->append(column(field->column));
        values->append(bindable(columnName, value));
    }
    return {};
}

AppStoreReply SqlAppStore::insert(const QJsonObject &fields)
{
    if (AppStoreReply opened = open(); !opened.ok()) {
        return opened; // the table's columns decide what is written
    }
    const QString id = fields.value(QLatin1String("id")).toString();
    const QString key = fields.value(QLatin1String("key")).toString();
    QJsonObject complete = fields;
    // soketi's schema declares the flags and rates NOT NULL: write every known column's value.
    for (const AppColumns::Field &field : AppColumns::all()) {
        const QString name = QLatin1String(field.name);
        if (!complete.contains(name) && !field.serverDefault && m_columns.contains(QLatin1String(field.column))) {
            complete.insert(name, QJsonValue::Null);
        }
    }
    QStringList columns;
    QVariantList values;
    if (const QString error = columnValues(complete, &columns, &values); !error.isEmpty()) {
        return AppStoreReply::failure(error);
    }
    for (const auto &[name, value] : {std::pair{"id", id}, std::pair{"key", key}}) {
        const AppStoreReply existing = findBy(name, value);
        if (!existing.ok()) {
            return existing;
        }
        if (!existing.apps.isEmpty()) {
            return AppStoreReply::failure(
                QStringLiteral("an app with %1 \"%2\" already exists").arg(QLatin1String(name), value));
        }
    }
    const QString marks = QStringList(columns.size(), QStringLiteral("?")).join(u',');
    if (AppStoreReply written =
            write(QStringLiteral("INSERT INTO %1 (%2) VALUES (%3)").arg(table(), columns.join(u','), marks), values);
        !written.ok()) {
        return written;
    }
    return findById(id);
}

AppStoreReply SqlAppStore::update(const QString &id, const QJsonObject &changes)
{
    if (changes.contains(QLatin1String("id"))) {
        return AppStoreReply::failure(QStringLiteral("an app's id cannot change"));
    }
    if (AppStoreReply opened = open(); !opened.ok()) {
        return opened;
    }
    QStringList columns;
    QVariantList values;
    if (const QString error = columnValues(changes, &columns, &values); !error.isEmpty()) {
        return AppStoreReply::failure(error);
    }
    if (columns.isEmpty()) {
        return AppStoreReply::failure(QStringLiteral("nothing to change"));
    }
    if (changes.contains(QLatin1String("key"))) {
        const AppStoreReply existing = findByKey(changes.value(QLatin1String("key")).toString());
        if (!existing.ok()) {
            return existing;
        }
        if (existing.first() && existing.first()->id != id) {
            return AppStoreReply::failure(
                QStringLiteral("another app already has key \"%1\"").arg(existing.first()->key));
        }
    }
    QStringList assignments;
    for (const QString &name : columns) {
        assignments.append(name + QStringLiteral(" = ?"));
    }
    values.append(id);
    const QString sql = QStringLiteral("UPDATE %1 SET %2 WHERE %3 = ?")
                            .arg(table(), assignments.join(QStringLiteral(", ")), column("id"));
    if (AppStoreReply written = write(sql, values); !written.ok()) {
        return written;
    }
    // MySQL counts only rows whose values changed, so existence is checked by reading the row back.
    AppStoreReply reply = findById(id);
    if (reply.ok() && reply.apps.isEmpty()) {
        return AppStoreReply::failure(QStringLiteral("there is no app with id \"%1\"").arg(id));
    }
    return reply;
}

AppStoreReply SqlAppStore::remove(const QString &id)
{
    int removed = 0;
    AppStoreReply reply =
        write(QStringLiteral("DELETE FROM %1 WHERE %2 = ?").arg(table(), column("id")), QVariantList{id}, &removed);
    if (reply.ok() && removed == 0) {
        return AppStoreReply::failure(QStringLiteral("there is no app with id \"%1\"").arg(id));
    }
    return reply;
}

} // namespace qsoketi
