// SPDX-License-Identifier: GPL-3.0-or-later
#include "channels/ChannelsSnapshot.h"

#include <algorithm>
#include <vector>

#include "channels/AppStates.h"

namespace qsoketi {

namespace {

ChannelsSnapshot::ChannelEntry entryOf(const Channel &channel)
{
    ChannelsSnapshot::ChannelEntry entry{
        channel.name(), channel.type(), channel.isCache(), qint64(channel.subscriptionCount()), {}};
    for (auto it = channel.members().cbegin(); it != channel.members().cend(); ++it)
        entry.members.append({it.key(), it->info, it->connections});
    std::sort(entry.members.begin(), entry.members.end(),
        [](const ChannelsSnapshot::Member &a, const ChannelsSnapshot::Member &b) { return a.userId < b.userId; });
    return entry;
}

} // namespace

ChannelsSnapshot ChannelsSnapshot::take(const AppStates &states, int maxChannelsPerApp)
{
    ChannelsSnapshot snapshot;
    for (const auto &state : states.all()) {
        AppEntry app{state->app().id, state->connectionCount(), qsizetype(state->channels().size()), {}};
        std::vector<const Channel *> channels;
        channels.reserve(state->channels().size());
        for (const auto &[name, channel] : state->channels())
            channels.push_back(channel.get());
        const auto shown = std::min<qsizetype>(qsizetype(channels.size()), maxChannelsPerApp);
        std::partial_sort(channels.begin(), channels.begin() + shown, channels.end(),
            [](const Channel *a, const Channel *b) { return a->name() < b->name(); });
        for (qsizetype i = 0; i < shown; ++i)
            app.channels.append(entryOf(*channels[size_t(i)]));
        snapshot.apps.append(std::move(app));
    }
    std::sort(snapshot.apps.begin(), snapshot.apps.end(),
        [](const AppEntry &a, const AppEntry &b) { return a.appId < b.appId; });
    return snapshot;
}

} // namespace qsoketi
