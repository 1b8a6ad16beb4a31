// SPDX-License-Identifier: GPL-3.0-or-later
#include "apps/SqlAppSchema.h"

#include <QRegularExpression>
#include <QStringList>

namespace qsoketi {

namespace {

using Driver = AppStoreConfig::Driver;
using Type = AppColumns::Type;

QString typeName(Driver driver, Type type)
{
    switch (type) {
    case Type::String:
        return driver == Driver::Sqlite ? QStringLiteral("TEXT") : QStringLiteral("varchar(255)");
    case Type::Int:
        return QStringLiteral("integer");
    case Type::Int64:
        return QStringLiteral("bigint");
    case Type::Double:
        return driver == Driver::MySql ? QStringLiteral("double") : QStringLiteral("double precision");
    case Type::Bool:
        return driver == Driver::MySql ? QStringLiteral("tinyint(1)") : QStringLiteral("smallint");
    case Type::Json:
        return driver == Driver::Sqlite ? QStringLiteral("TEXT") : QStringLiteral("json");
    }
    return {};
}

QString literal(const QVariant &value)
{
    if (value.typeId() == QMetaType::Bool) {
        return value.toBool() ? QStringLiteral("1") : QStringLiteral("0");
    }
    return value.toString(); // numbers only: AppColumns defaults
}

} // namespace

bool SqlAppSchema::isValidTableName(const QString &name)
{
    static const QRegularExpression plain(
        QStringLiteral("^[A-Za-z_][A-Za-z0-9_$]{0,62}(\\.[A-Za-z_][A-Za-z0-9_$]{0,62})?$"));
    return plain.match(name).hasMatch();
}

QString SqlAppSchema::quoteColumn(Driver driver, const QString &name)
{
    // Callers pass checked names only, so no quote character can occur inside.
    const QChar quote = driver == Driver::MySql ? u'`' : u'"';
    return quote + name + quote;
}

QString SqlAppSchema::quoteTable(Driver driver, const QString &name)
{
    QStringList parts = name.split(u'.');
    for (QString &part : parts) {
        part = quoteColumn(driver, part);
    }
    return parts.join(u'.');
}

QString SqlAppSchema::columnDefinition(Driver driver, const AppColumns::Field &field)
{
    QString definition = quoteColumn(driver, QLatin1String(field.column)) + u' ' + typeName(driver, field.type);
    const bool nullable = field.serverDefault || field.type == Type::Json
        || (field.extension && (field.type == Type::String || field.type == Type::Int64));
    if (!nullable) {
        definition += QStringLiteral(" NOT NULL");
        if (field.type != Type::String) {
            definition += QStringLiteral(" DEFAULT ") + literal(AppColumns::defaultValue(field, App{}));
        }
    }
    return definition;
}

QString SqlAppSchema::createTable(Driver driver, const QString &quotedTable)
{
    QStringList columns;
    for (const AppColumns::Field &field : AppColumns::all()) {
        columns.append(columnDefinition(driver, field));
    }
    columns.append(QStringLiteral("PRIMARY KEY (%1)").arg(quoteColumn(driver, QStringLiteral("id"))));
    return QStringLiteral("CREATE TABLE IF NOT EXISTS %1 (%2)").arg(quotedTable, columns.join(QStringLiteral(", ")));
}

QString SqlAppSchema::addColumn(Driver driver, const QString &quotedTable, const AppColumns::Field &field)
{
    return QStringLiteral("ALTER TABLE %1 ADD COLUMN %2").arg(quotedTable, columnDefinition(driver, field));
}

} // namespace qsoketi
