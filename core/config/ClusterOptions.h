// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <span>

#include "config/ServerOptions.h"

namespace qsoketi {

// The options of what a node shares with others: the adapter (Redis, NATS), the Redis connection
// (database.redis.*) and the cache driver. ServerOptions::all() lists them after its own.
class ClusterOptions final
{
public:
    static std::span<const ServerOptions::Option> all();
};

} // namespace qsoketi
