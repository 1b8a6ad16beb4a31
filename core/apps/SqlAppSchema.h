// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include "apps/AppColumns.h"
#include "apps/AppStoreConfig.h"

namespace qsoketi {

// SQL text that depends on the database: identifier quoting and the DDL of the app table. Only names
// from the configuration and from AppColumns reach it; values always travel as bound parameters.
class SqlAppSchema final
{
public:
    // "apps" or "schema.apps": letters, digits, _ and $, not starting with a digit.
    static bool isValidTableName(const QString &name);
    static QString quoteTable(AppStoreConfig::Driver driver, const QString &name);
    static QString quoteColumn(AppStoreConfig::Driver driver, const QString &name);

    // soketi's table plus qsoketi's columns (used for SQLite, which qsoketi creates itself).
    static QString createTable(AppStoreConfig::Driver driver, const QString &quotedTable);
    // What adds field's column, e.g. for the grace-period columns a soketi table lacks.
    static QString addColumn(AppStoreConfig::Driver driver, const QString &quotedTable, const AppColumns::Field &field);

private:
    static QString columnDefinition(AppStoreConfig::Driver driver, const AppColumns::Field &field);
};

} // namespace qsoketi
