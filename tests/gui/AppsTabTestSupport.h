// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the Apps tab tests: a real SQLite app store in a temporary directory holding two apps
// ("shop": a secret, client events, 50 connections, a webhook with a token in its URL; "blog": defaults),
// and helpers that wait for the store's answers.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include <QCoreApplication>
#include <QDir>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QWidget>

#include "apps/AppDirectory.h"

namespace qsoketi::test {

inline const QString kSecret = QStringLiteral("s3cret-value-42");
inline const QString kHookToken = QStringLiteral("t0ken-in-url");

// Runs one store operation and waits for its answer.
inline AppStoreReply await(const std::function<void(AppDirectory::ReplyCallback)> &operation)
{
    std::optional<AppStoreReply> reply;
    operation([&reply](const AppStoreReply &r) { reply = r; });
    if (!QTest::qWaitFor([&reply] { return reply.has_value(); }, 20000))
        return AppStoreReply::failure(QStringLiteral("no answer within 20 s"));
    return *reply;
}

inline AppPtr stored(AppDirectory &directory, const QString &id)
{
    return await([&](auto done) { directory.get(id, done); }).first();
}

inline AppPtr findByKey(AppDirectory &directory, const QString &key)
{
    std::optional<AppPtr> found;
    directory.findByKey(key, [&found](AppPtr app) { found = std::move(app); });
    return QTest::qWaitFor([&found] { return found.has_value(); }, 20000) ? *found : nullptr;
}

// For a look: <build>/tests/artifacts/<name>.
inline void saveShot(QWidget &widget, const QString &name)
{
    const QString dir = QCoreApplication::applicationDirPath() + QStringLiteral("/artifacts");
    QDir().mkpath(dir);
    QVERIFY(widget.grab().save(dir + QLatin1Char('/') + name));
}

struct SqliteAppStore
{
    void setUp()
    {
        dir = std::make_unique<QTemporaryDir>();
        QVERIFY(dir->isValid());
        AppStoreConfig config;
        config.driver = AppStoreConfig::Driver::Sqlite;
        config.sqlitePath = dir->filePath(QStringLiteral("apps.sqlite"));
        directory = std::make_unique<AppDirectory>(config);
        const QJsonArray hooks{QJsonObject{
            {QStringLiteral("url"), QStringLiteral("https://hooks:%1@hooks.example.com/pusher").arg(kHookToken)},
            {QStringLiteral("event_types"), QJsonArray{QStringLiteral("channel_occupied")}}}};
        const AppStoreReply first = await([&](auto done) {
            directory->add(
                {{QStringLiteral("id"), QStringLiteral("shop")}, {QStringLiteral("key"), QStringLiteral("shop-key")},
                    {QStringLiteral("secret"), kSecret}, {QStringLiteral("enableClientMessages"), true},
                    {QStringLiteral("maxConnections"), 50}, {QStringLiteral("webhooks"), hooks}},
                done);
        });
        QVERIFY2(first.ok(), qPrintable(first.error));
        const AppStoreReply second = await([&](auto done) {
            directory->add(
                {{QStringLiteral("id"), QStringLiteral("blog")}, {QStringLiteral("key"), QStringLiteral("blog-key")}},
                done);
        });
        QVERIFY2(second.ok(), qPrintable(second.error));
    }

    void tearDown()
    {
        directory.reset();
        dir.reset();
    }

    std::unique_ptr<QTemporaryDir> dir;
    std::unique_ptr<AppDirectory> directory;
};

} // namespace qsoketi::test
