// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <span>

#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QVariant>

#include "apps/App.h"

class QSqlRecord;

namespace qsoketi {

// The fields of an app, their columns in soketi's SQL table (spec §3, §10) and the rules for values
// written by `qsoketi apps` or the dashboard. One table drives reading rows, writing rows, JSON output and
// the SQLite schema, so a field added here is handled everywhere.
class AppColumns final
{
public:
    enum class Type
    {
        String,
        Int,
        Int64,
        Double,
        Bool,
        Json,
    };

    struct Field
    {
        const char *name; // camelCase: JSON output, update requests
        const char *column; // snake_case SQL column
        Type type;
        // NULL or '' means the server-wide default (soketi's nullable limit columns).
        bool serverDefault;
        // qsoketi's own column: a table made for soketi may lack it.
        bool extension;
        bool secret; // hidden unless asked for, never logged
        QVariant (*get)(const App &app);
        void (*set)(App &app, const QVariant &value);
    };

    static std::span<const Field> all();
    // By camelCase name or column name; nullptr when unknown.
    static const Field *find(const QString &name);

    // The app of one row: columns that are missing, NULL or '' keep the value of defaults.
    static App fromRecord(const QSqlRecord &record, const App &defaults);
    static QJsonObject toJson(const App &app, bool withSecrets);
    static bool same(const App &a, const App &b);

    // Checks a value for field, as JSON or as text from the command line ("100", "true"). *out is what to
    // store; a null QVariant means NULL (the server default), allowed for serverDefault fields and for
    // null/"default" given to the others, which then store the built-in default.
    static bool validate(const Field &field, const QJsonValue &value, QVariant *out, QString *error);

    // The built-in value of field (the App{} default, or defaults' value for serverDefault fields).
    static QVariant defaultValue(const Field &field, const App &defaults);
};

} // namespace qsoketi
