// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QString>
#include <QStringList>

#include "config/ConfigSource.h"
#include "config/ServerConfig.h"

namespace qsoketi {

// Rules that span several options (TLS key and certificate, readable files, the two listeners, the sqlite
// path, the path prefix), checked once every source is applied. Each option alone is read by ServerOptions.
class OptionCombinations final
{
public:
    // sources: option path → the source that last set it (names the line an error points to).
    static void check(const ServerConfig &config, const QHash<QString, ConfigSource> &sources, QStringList &errors,
        QStringList &warnings);
};

} // namespace qsoketi
