// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace qsoketi {

// Pusher protocol error and close codes as soketi uses them (spec §4.10). pusher-js decides whether and
// how to reconnect from the range: 4000-4099 never, 4100-4199 with back-off, 4200-4299 at once.
enum class PusherErrorCode : int
{
    AppNotFound = 4001,
    AppDisabled = 4003,
    Unauthorized = 4009,
    OverCapacity = 4100, // soketi's connection-quota code (Pusher uses 4004)
    ServerClosing = 4200,
    PongNotReceived = 4201,
    ClientEventRejected = 4301,
    ServerError = 4302,
};

} // namespace qsoketi
