// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

namespace qsoketi {

// An app's allowedOrigins: the web pages that may open its WebSockets (docs/origins.md). Entries:
//   *                          any origin
//   https://app.example.com    exactly this scheme, host and port (the port only when not the default)
//   https://*.example.com      any subdomain of example.com, at any depth (not example.com itself)
//   example.com, *.example.com the same hosts over any scheme
//   null                       pages whose Origin is "null" (sandboxed iframes, file://)
// An empty list allows every origin (soketi's behaviour), and so does a request without an Origin header:
// browsers always send one, so the list keeps other sites' pages out; native and server clients, which
// could send any header, are not what it is for. Host names compare without case.
class OriginAllowList final
{
public:
    static bool allows(const QStringList &allowed, const QString &origin);
    // A list as written in a config file, an environment variable or an SQL column: a JSON array of
    // strings, or entries separated by commas and/or spaces. Entries are trimmed and lower-cased.
    static QStringList parse(const QString &text);
    // The text form stored in SQL and shown by `qsoketi apps`: entries joined with ",".
    static QString join(const QStringList &allowed) { return allowed.join(u','); }
    // Empty when the entry is one of the forms above, else what is wrong with it.
    static QString checkEntry(const QString &entry);
};

} // namespace qsoketi
