// SPDX-License-Identifier: GPL-3.0-or-later
#include <QTest>

#include "protocol/ChannelName.h"

using namespace qsoketi;
using Type = ChannelName::Type;

class TestChannelName final : public QObject
{
    Q_OBJECT

private slots:
    void type_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("type");
        QTest::addColumn<bool>("cache");
        QTest::newRow("public") << "chat" << int(Type::Public) << false;
        QTest::newRow("private") << "private-chat" << int(Type::Private) << false;
        QTest::newRow("encrypted") << "private-encrypted-chat" << int(Type::PrivateEncrypted) << false;
        QTest::newRow("presence") << "presence-room" << int(Type::Presence) << false;
        // Prefixes count only at the start (soketi matched them anywhere).
        QTest::newRow("private inside") << "my-private-x" << int(Type::Public) << false;
        QTest::newRow("presence inside") << "foo-presence-bar" << int(Type::Public) << false;
        QTest::newRow("cache inside") << "my-cache-x" << int(Type::Public) << false;
        QTest::newRow("cache") << "cache-news" << int(Type::Public) << true;
        QTest::newRow("private cache") << "private-cache-news" << int(Type::Private) << true;
        QTest::newRow("encrypted cache") << "private-encrypted-cache-news" << int(Type::PrivateEncrypted) << true;
        QTest::newRow("presence cache") << "presence-cache-room" << int(Type::Presence) << true;
    }
    void type()
    {
        QFETCH(QString, name);
        QFETCH(int, type);
        QFETCH(bool, cache);
        QCOMPARE(int(ChannelName::type(name)), type);
        QCOMPARE(ChannelName::isCache(name), cache);
    }

    void characters_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("valid");
        QTest::newRow("plain") << "abc-XYZ_09=@,.;" << true;
        QTest::newRow("hash prefix") << "#server-to-user-1" << true;
        QTest::newRow("space") << "a b" << false;
        QTest::newRow("slash") << "a/b" << false;
        QTest::newRow("unicode") << QStringLiteral("caf\u00e9") << false;
        QTest::newRow("empty") << "" << false;
        QTest::newRow("only hash") << "#" << false;
        QTest::newRow("hash inside") << "a#b" << false;
    }
    void characters()
    {
        QFETCH(QString, name);
        QFETCH(bool, valid);
        QCOMPARE(ChannelName::hasValidCharacters(name), valid);
    }
};

QTEST_APPLESS_MAIN(TestChannelName)
#include "tst_channelname.moc"
