// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <span>

#include <QString>

#include "config/ConfigSource.h"

namespace qsoketi {

// soketi options qsoketi does not implement. Setting one to soketi's default changes nothing, so only
// other values get a warning.
class UnsupportedOptions final
{
public:
    struct Option
    {
        const char *path; // config-file key
        const char *env; // SOKETI_ name without the prefix; nullptr = config file only
        const char *soketiDefault; // JSON text; nullptr = any value is warned about
        const char *feature; // what qsoketi lacks, for the warning
        bool showValue; // driver names are worth echoing; other values may be credentials
    };

    static std::span<const Option> all();
    static const Option *find(const QString &path);
    // name is a SOKETI_ name without the prefix.
    static const Option *findByVariable(const QString &name);
    // The warning for setting option to value; empty when there is nothing to say (unset or soketi's default).
    static QString warning(const Option &option, const ConfigValue &value, const ConfigSource &source);
};

} // namespace qsoketi
