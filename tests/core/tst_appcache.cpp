// SPDX-License-Identifier: GPL-3.0-or-later
// AppCache: apps by id and key (a changed key moves), and the bounded, expiring memory of unknown ones.
#include <QTest>

#include "apps/AppCache.h"

using namespace qsoketi;

namespace {

AppPtr app(const QString &id, const QString &key)
{
    App a;
    a.id = id;
    a.key = key;
    return std::make_shared<const App>(a);
}

} // namespace

class TestAppCache final : public QObject
{
    Q_OBJECT

private slots:
    void findsByIdAndKey();
    void aChangedKeyMoves();
    void removeAndForget();
    void missingExpires();
    void missingIsBounded();
    void foundAppsClearMissing();
};

void TestAppCache::findsByIdAndKey()
{
    AppCache cache(1000, 10);
    QVERIFY(!cache.put(app(QStringLiteral("1"), QStringLiteral("k1"))));
    QCOMPARE(cache.find(AppCache::By::Id, QStringLiteral("1"))->key, QStringLiteral("k1"));
    QCOMPARE(cache.find(AppCache::By::Key, QStringLiteral("k1"))->id, QStringLiteral("1"));
    QVERIFY(!cache.find(AppCache::By::Key, QStringLiteral("1")));
    QVERIFY(!cache.find(AppCache::By::Id, QStringLiteral("k1")));
}

void TestAppCache::aChangedKeyMoves()
{
    AppCache cache(1000, 10);
    cache.put(app(QStringLiteral("1"), QStringLiteral("old")));
    const AppPtr previous = cache.put(app(QStringLiteral("1"), QStringLiteral("new")));
    QCOMPARE(previous->key, QStringLiteral("old"));
    QVERIFY(!cache.find(AppCache::By::Key, QStringLiteral("old")));
    QCOMPARE(cache.find(AppCache::By::Key, QStringLiteral("new"))->id, QStringLiteral("1"));
    QCOMPARE(cache.size(), 1);
}

void TestAppCache::removeAndForget()
{
    AppCache cache(1000, 10);
    cache.put(app(QStringLiteral("1"), QStringLiteral("k1")));
    cache.put(app(QStringLiteral("2"), QStringLiteral("k2")));
    cache.forgetKey(QStringLiteral("k2"));
    QVERIFY(!cache.find(AppCache::By::Key, QStringLiteral("k2")));
    QVERIFY(cache.find(AppCache::By::Id, QStringLiteral("2"))); // re-read by id on the next refresh
    QVERIFY(cache.remove(QStringLiteral("1")));
    QVERIFY(!cache.find(AppCache::By::Key, QStringLiteral("k1")));
    QVERIFY(!cache.remove(QStringLiteral("1")));
    QCOMPARE(cache.ids(), QStringList{QStringLiteral("2")});
}

void TestAppCache::missingExpires()
{
    AppCache cache(100, 10);
    cache.putMissing(AppCache::By::Key, QStringLiteral("k"), 1000);
    QVERIFY(cache.isMissing(AppCache::By::Key, QStringLiteral("k"), 1099));
    QVERIFY(!cache.isMissing(AppCache::By::Id, QStringLiteral("k"), 1099)); // ids and keys apart
    QVERIFY(!cache.isMissing(AppCache::By::Key, QStringLiteral("k"), 1100));
    // Renewed after expiry: the old queue entry must not evict the new one.
    cache.putMissing(AppCache::By::Key, QStringLiteral("k"), 1200);
    cache.putMissing(AppCache::By::Key, QStringLiteral("other"), 1250);
    QVERIFY(cache.isMissing(AppCache::By::Key, QStringLiteral("k"), 1290));
    AppCache off(0, 10);
    off.putMissing(AppCache::By::Key, QStringLiteral("k"), 0);
    QVERIFY(!off.isMissing(AppCache::By::Key, QStringLiteral("k"), 0));
}

void TestAppCache::missingIsBounded()
{
    AppCache cache(1000000, 100);
    for (int i = 0; i < 10000; ++i) {
        cache.putMissing(AppCache::By::Key, QString::number(i), i);
    }
    QVERIFY(cache.missingSize() <= 100);
    QVERIFY(cache.isMissing(AppCache::By::Key, QStringLiteral("9999"), 10000)); // the newest stay
    QVERIFY(!cache.isMissing(AppCache::By::Key, QStringLiteral("0"), 10000)); // the oldest went first
}

void TestAppCache::foundAppsClearMissing()
{
    AppCache cache(1000, 10);
    cache.putMissing(AppCache::By::Key, QStringLiteral("k1"), 0);
    cache.putMissing(AppCache::By::Id, QStringLiteral("1"), 0);
    cache.clearMissing(app(QStringLiteral("1"), QStringLiteral("k1")));
    QVERIFY(!cache.isMissing(AppCache::By::Key, QStringLiteral("k1"), 1));
    QVERIFY(!cache.isMissing(AppCache::By::Id, QStringLiteral("1"), 1));
}

QTEST_APPLESS_MAIN(TestAppCache)
#include "tst_appcache.moc"
