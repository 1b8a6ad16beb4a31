// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace qsoketi {

// Classifies channel names by their prefix. Unlike soketi, prefixes are matched at the start of the
// name only: `my-private-x` is a public channel.
class ChannelName
{
public:
    enum class Type
    {
        Public,
        Private,
        PrivateEncrypted,
        Presence
    };

    static Type type(QStringView name);
    static bool isCache(QStringView name);
    static bool requiresAuth(QStringView name) { return type(name) != Type::Public; }
    static bool isPresence(QStringView name) { return type(name) == Type::Presence; }
    // Pusher's allowed characters: ^#?[-a-zA-Z0-9_=@,.;]+$
    static bool hasValidCharacters(QStringView name);
    static QString typeName(Type type);

    static constexpr QStringView serverToUserPrefix = u"#server-to-user-";
};

} // namespace qsoketi
