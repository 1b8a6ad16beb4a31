// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <optional>

#include <QString>

#include "rest/HttpRequest.h"
#include "rest/HttpResponse.h"

namespace qsoketi {

class AppDirectory;
struct ServerConfig;

// What can be refused from a request head alone, before its body is read and buffered: a signed
// /apps/{id}/… call to an unknown app (404), or whose query lacks the auth parameters, names another
// app's key or carries a stale auth_timestamp (401). The answers are the ones RestApi gives for the same
// request, so reading the body first would change nothing but the memory spent. The signature itself
// covers the body (body_md5) and is checked by RestApi once the body is in. Only what the app directory
// already knows is used: an app it would have to ask a database for is checked by RestApi alone.
class RequestPrecheck
{
public:
    RequestPrecheck(const ServerConfig &config, const AppDirectory &apps);

    // nullopt: read the body and let RestApi answer.
    std::optional<HttpResponse> check(const HttpRequest &head) const;
    std::optional<HttpResponse> check(const HttpRequest &head, qint64 nowSeconds) const;

private:
    QString m_pathPrefix;
    const AppDirectory &m_apps;
};

} // namespace qsoketi
