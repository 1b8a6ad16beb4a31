// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <span>

#include <QString>
#include <QStringList>

#include "apps/App.h"
#include "config/ServerConfig.h"

namespace qsoketi {

class ValueReader;

// Options qsoketi implements: the config-file path, the SOKETI_ name and how a value is applied.
class ServerOptions final
{
public:
    // appDefaults is the app every app starts from: the server-wide limits (channelLimits.*, eventLimits.*,
    // presence.*) are written into it, everything else into the ServerConfig.
    using Apply = void (*)(const ValueReader &, ServerConfig &, App &appDefaults);

    struct Option
    {
        const char *path; // config-file key
        const char *env; // SOKETI_ name without the prefix; nullptr = config file only
        bool secret; // the value is never echoed
        Apply apply;
    };

    static std::span<const Option> all();
    static const Option *find(const QString &path);
    // name is a SOKETI_ name without the prefix.
    static const Option *findByVariable(const QString &name);
};

} // namespace qsoketi
