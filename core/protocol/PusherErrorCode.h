// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringView>

namespace qsoketi {

// Pusher protocol error and close codes as soketi uses them (spec §4.10). pusher-js decides whether and
// how to reconnect from the range: 4000-4099 never, 4100-4199 with back-off, 4200-4299 at once.
enum class PusherErrorCode : int
{
    Malformed = 0, // sent as "code": null: Pusher's answer to a malformed message, which has no protocol code
    AppNotFound = 4001,
    AppDisabled = 4003,
    Unauthorized = 4009,
    OverCapacity = 4100, // soketi's connection-quota code (Pusher uses 4004)
    ServerClosing = 4200,
    PongNotReceived = 4201,
    ClientEventRejected = 4301,
    ServerError = 4302,
};

// An error the server sends in more than one place: its code and its text, named once.
struct PusherError
{
    PusherErrorCode code;
    QStringView message;
};

namespace PusherErrors {
inline constexpr PusherError serverClosing{
    PusherErrorCode::ServerClosing, u"Server is closing. Please reconnect shortly."};
inline constexpr PusherError serverClosed{PusherErrorCode::ServerClosing, u"Server closed. Please reconnect shortly."};
inline constexpr PusherError overQuota{
    PusherErrorCode::OverCapacity, u"The current concurrent connections quota has been reached."};
inline constexpr PusherError appNotFound{PusherErrorCode::AppNotFound, u"The app no longer exists."};
// The app store did not answer in time: pusher-js retries with back-off (4100-4199).
inline constexpr PusherError storeUnreachable{
    PusherErrorCode::OverCapacity, u"The app store is unreachable. Please reconnect shortly."};
inline constexpr PusherError appDisabled{PusherErrorCode::AppDisabled, u"The app is not enabled."};
inline constexpr PusherError pongNotReceived{PusherErrorCode::PongNotReceived, u"Pong reply not received"};
inline constexpr PusherError signinTimeout{PusherErrorCode::Unauthorized, u"Connection not authorized within timeout."};
inline constexpr PusherError notAuthorized{PusherErrorCode::Unauthorized, u"Connection not authorized."};
inline constexpr PusherError alreadySignedIn{PusherErrorCode::Unauthorized, u"The connection is already signed in."};
// The page's Origin is not in the app's allowedOrigins (docs/origins.md).
inline constexpr PusherError originNotAllowed{
    PusherErrorCode::Unauthorized, u"The origin of this page is not allowed to connect to this app."};
inline constexpr PusherError terminatedByApp{PusherErrorCode::Unauthorized, u"You got disconnected by the app."};
} // namespace PusherErrors

} // namespace qsoketi
