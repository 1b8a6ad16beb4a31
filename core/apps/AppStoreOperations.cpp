// SPDX-License-Identifier: GPL-3.0-or-later
#include "apps/AppStoreOperations.h"

#include <QDateTime>

#include "apps/AppCredentialGenerator.h"
#include "apps/SqlAppStore.h"

namespace qsoketi {

AppStoreOperations::Operation AppStoreOperations::add(const QJsonObject &fields)
{
    return [fields](SqlAppStore &store) {
        QJsonObject complete = fields;
        const auto generate = [&complete](const char *name, QString (*make)()) {
            const QJsonValue given = complete.value(QLatin1String(name));
            if (given.isUndefined() || given.isNull() || given.toString().isEmpty()) {
                complete.insert(QLatin1String(name), make());
            }
        };
        generate("id", &AppCredentialGenerator::id);
        generate("key", &AppCredentialGenerator::key);
        generate("secret", &AppCredentialGenerator::secret);
        return store.insert(complete);
    };
}

AppStoreOperations::Operation AppStoreOperations::update(const QString &id, const QJsonObject &changes)
{
    return [id, changes](SqlAppStore &store) { return store.update(id, changes); };
}

AppStoreOperations::Operation AppStoreOperations::rotateSecret(
    const QString &id, int graceSeconds, const QString &newSecret)
{
    return [id, graceSeconds, newSecret](SqlAppStore &store) {
        const AppStoreReply current = store.findById(id);
        if (!current.ok()) {
            return current;
        }
        if (!current.first()) {
            return AppStoreReply::failure(QStringLiteral("there is no app with id \"%1\"").arg(id));
        }
        QJsonObject changes{
            {QStringLiteral("secret"), newSecret.isEmpty() ? AppCredentialGenerator::secret() : newSecret}};
        if (graceSeconds > 0) {
            const qint64 until = QDateTime::currentMSecsSinceEpoch() + qint64(graceSeconds) * 1000;
            changes.insert(QStringLiteral("previousSecret"), current.first()->secret);
            changes.insert(QStringLiteral("previousSecretValidUntil"), double(until));
        } else {
            // Without a grace period the old secret stops at once, also one still in its grace period.
            if (store.hasColumn(QStringLiteral("previous_secret"))) {
                changes.insert(QStringLiteral("previousSecret"), QJsonValue::Null);
            }
            if (store.hasColumn(QStringLiteral("previous_secret_valid_until"))) {
                changes.insert(QStringLiteral("previousSecretValidUntil"), QJsonValue::Null);
            }
        }
        return store.update(id, changes);
    };
}

} // namespace qsoketi
