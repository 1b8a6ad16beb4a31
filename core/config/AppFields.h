// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <span>

#include <QString>

#include "apps/App.h"

namespace qsoketi {

class ValueReader;

// App fields: canonical camelCase name plus soketi's SQL and DynamoDB spellings (spec §3).
class AppFields final
{
public:
    // Returns false when the value was rejected (the reader has reported it).
    using Apply = bool (*)(const ValueReader &, App &);

    struct Field
    {
        const char *name; // camelCase, as in soketi's array app manager
        const char *snake; // SQL column; nullptr when equal to name
        const char *pascal; // DynamoDB attribute
        bool secret; // the value is never echoed
        Apply apply;
    };

    static std::span<const Field> all();
    // Any of the three spellings.
    static const Field *find(const QString &name);
    // The field a SOKETI_DEFAULT_APP_* variable sets on app 0 (name without "SOKETI_"); empty when none.
    static QString fieldForDefaultAppVariable(const QString &name);
};

} // namespace qsoketi
