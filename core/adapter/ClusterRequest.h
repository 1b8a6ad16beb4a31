// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace qsoketi {

// The questions one node asks the others (the `type` of a request on `#comms#req`). 1-9 are soketi's
// numbers and answer shapes (spec §8.1), answered so a soketi node in the same cluster gets qsoketi
// nodes' part; 100+ are qsoketi's own, answered by qsoketi nodes only (a soketi node's part of those is
// asked in its types: SoketiQuestions).
enum class ClusterRequest : int
{
    Channels = 1, // → {channels: [[name, [socketId…]]…]}
    ChannelMembers = 3, // opts.channel → {members: [[userId, userInfo]…]}
    SocketsCount = 4, // → {totalCount}
    ChannelMembersCount = 5, // opts.channel → {totalCount}: this node's distinct users
    ChannelSocketsCount = 6, // opts.channel → {totalCount}
    SocketExistsInChannel = 7, // opts.channel, opts.wsId → {exists}
    ChannelsWithSocketsCount = 8, // → {channelsWithSocketsCount: [[name, n]…]}
    TerminateUserConnections = 9, // opts.userId; nobody waits for an answer
    ChannelInfo = 100, // opts.channel → {count, members: {userId: {id, info}}}
    ChannelsInfo = 101, // → {channels: {name: {count, users: [userId…]}}}
    UsersOnline = 102, // opts.userIds → {online: [the ones signed in on that node]}
};

} // namespace qsoketi
