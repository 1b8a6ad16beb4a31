// SPDX-License-Identifier: GPL-3.0-or-later
#include "apps/AppStoreConfig.h"

namespace qsoketi {

namespace {

struct DriverName
{
    AppStoreConfig::Driver driver;
    const char *name;
};

const DriverName kDriverNames[] = {
    {AppStoreConfig::Driver::Array, "array"},
    {AppStoreConfig::Driver::MySql, "mysql"},
    {AppStoreConfig::Driver::Postgres, "postgres"},
    {AppStoreConfig::Driver::Sqlite, "sqlite"},
};

} // namespace

QString AppStoreConfig::driverName(Driver driver)
{
    for (const DriverName &entry : kDriverNames) {
        if (entry.driver == driver) {
            return QLatin1String(entry.name);
        }
    }
    return {};
}

bool AppStoreConfig::driverFromName(const QString &name, Driver *driver)
{
    for (const DriverName &entry : kDriverNames) {
        if (name == QLatin1String(entry.name)) {
            *driver = entry.driver;
            return true;
        }
    }
    return false;
}

} // namespace qsoketi
