// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

#include "config/ServerConfig.h"

namespace qsoketi {

// What ConfigLoader::load produces: the merged settings plus one human-readable line per problem.
// `config` is only meaningful when ok(); warnings never stop the server.
struct ConfigResult
{
    ServerConfig config;
    QStringList errors;
    QStringList warnings;
    bool ok() const { return errors.isEmpty(); }
};

} // namespace qsoketi
