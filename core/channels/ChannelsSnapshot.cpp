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

void ChannelsSnapshot::merge(const ChannelsSnapshot &other, int maxChannelsPerApp)
{
    for (const AppEntry &theirs : other.apps) {
        auto app = std::find_if(apps.begin(), apps.end(), [&](const AppEntry &a) { return a.appId == theirs.appId; });
        if (app == apps.end()) {
            apps.append(theirs);
            continue;
        }
        app->connections += theirs.connections;
        for (const ChannelEntry &channel : theirs.channels) {
            auto mine = std::find_if(app->channels.begin(), app->channels.end(),
                [&](const ChannelEntry &c) { return c.name == channel.name; });
            if (mine == app->channels.end()) {
                app->channels.append(channel);
                continue;
            }
            mine->subscriptionCount += channel.subscriptionCount;
            for (const Member &member : channel.members) {
                auto same = std::find_if(mine->members.begin(), mine->members.end(),
                    [&](const Member &m) { return m.userId == member.userId; });
                if (same == mine->members.end())
                    mine->members.append(member);
                else
                    same->connections += member.connections;
            }
            std::sort(mine->members.begin(), mine->members.end(),
                [](const Member &a, const Member &b) { return a.userId < b.userId; });
        }
        std::sort(app->channels.begin(), app->channels.end(),
            [](const ChannelEntry &a, const ChannelEntry &b) { return a.name < b.name; });
        // Channels past the cap of either side are not known by name: the larger count is the best floor.
        app->channelCount = std::max({app->channelCount, theirs.channelCount, app->channels.size()});
        if (app->channels.size() > maxChannelsPerApp)
            app->channels.resize(maxChannelsPerApp);
    }
    std::sort(apps.begin(), apps.end(), [](const AppEntry &a, const AppEntry &b) { return a.appId < b.appId; });
}

} // namespace qsoketi
