// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace qsoketi {

// The questions one node asks the others (the `type` of a request on `#comms#req`). 4 and 9 are
// soketi's numbers and answer shapes; 100+ are qsoketi's own, answered by qsoketi nodes only.
enum class ClusterRequest : int
{
    SocketsCount = 4, // → {totalCount}
    TerminateUserConnections = 9, // opts.userId; nobody waits for an answer
    ChannelInfo = 100, // opts.channel → {count, members: {userId: {id, info}}}
    ChannelsInfo = 101, // → {channels: {name: {count, users: [userId…]}}}
    UsersOnline = 102, // opts.userIds → {online: [the ones signed in on that node]}
};

} // namespace qsoketi
