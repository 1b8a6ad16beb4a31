// SPDX-License-Identifier: GPL-3.0-or-later
#include "rest/RequestPrecheck.h"

#include <QDateTime>

#include "apps/AppDirectory.h"
#include "auth/RestRequestVerifier.h"
#include "config/ServerConfig.h"

namespace qsoketi {

RequestPrecheck::RequestPrecheck(const ServerConfig &config, const AppDirectory &apps)
    : m_pathPrefix(config.pathPrefix)
    , m_apps(apps)
{}

std::optional<HttpResponse> RequestPrecheck::check(const HttpRequest &head) const
{
    return check(head, QDateTime::currentSecsSinceEpoch());
}

std::optional<HttpResponse> RequestPrecheck::check(const HttpRequest &head, qint64 nowSeconds) const
{
    // The routing mirrors RestApi::handle: only <prefix>/apps/{id}/<something> is signed, and a CORS
    // preflight (OPTIONS) is answered before any app is looked at.
    if (head.method == "OPTIONS")
        return std::nullopt;
    QStringView path = head.path;
    if (!m_pathPrefix.isEmpty()) {
        if (!path.startsWith(m_pathPrefix))
            return std::nullopt;
        path = path.sliced(m_pathPrefix.size());
    }
    if (!path.startsWith(u"/apps/"))
        return std::nullopt;
    const QStringView rest = path.sliced(6);
    const qsizetype slash = rest.indexOf(u'/');
    if (slash < 0)
        return std::nullopt; // "/apps/{id}" alone is no route: RestApi answers 404 Not found
    const QString appId = rest.first(slash).toString();
    const std::optional<AppPtr> known = m_apps.knownById(appId);
    if (!known)
        return std::nullopt;
    const AppPtr &app = *known;
    if (!app)
        return HttpResponse::error(404, QStringLiteral("The app %1 could not be found.").arg(appId));
    if (const auto failure = RestRequestVerifier::verifyQuery(head.query, app->key, nowSeconds)) {
        RestRequestVerifier::logRefusal(head.method, head.path, failure->status, failure->message);
        return HttpResponse::error(failure->status, failure->message);
    }
    return std::nullopt;
}

} // namespace qsoketi
