// SPDX-License-Identifier: GPL-3.0-or-later
#include "protocol/ChannelName.h"

namespace qsoketi {

ChannelName::Type ChannelName::type(QStringView name)
{
    if (name.startsWith(u"presence-"))
        return Type::Presence;
    if (name.startsWith(u"private-encrypted-"))
        return Type::PrivateEncrypted;
    if (name.startsWith(u"private-"))
        return Type::Private;
    return Type::Public;
}

bool ChannelName::isCache(QStringView name)
{
    return name.startsWith(u"cache-") || name.startsWith(u"private-cache-")
        || name.startsWith(u"private-encrypted-cache-") || name.startsWith(u"presence-cache-");
}

bool ChannelName::hasValidCharacters(QStringView name)
{
    if (name.startsWith(u'#'))
        name = name.mid(1);
    if (name.isEmpty())
        return false;
    for (QChar c : name) {
        const char16_t u = c.unicode();
        const bool ok = (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9') || u == u'-'
            || u == u'_' || u == u'=' || u == u'@' || u == u',' || u == u'.' || u == u';';
        if (!ok)
            return false;
    }
    return true;
}

QString ChannelName::typeName(Type type)
{
    switch (type) {
    case Type::Public:
        return QStringLiteral("public");
    case Type::Private:
        return QStringLiteral("private");
    case Type::PrivateEncrypted:
        return QStringLiteral("encrypted");
    case Type::Presence:
        return QStringLiteral("presence");
    }
    return {};
}

} // namespace qsoketi
