// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMap>
#include <QString>
#include <QStringList>

namespace qsoketi {

// Reads a `.env` file the way the dotenv package (used by soketi) does: KEY=VALUE lines, optional
// `export `, # comments, values in '…', "…" or `…` quotes (double quotes expand \n and \r, quoted values
// may span lines), unquoted values end at the first #. A later line for the same key wins.
class DotEnvFile final
{
public:
    // A missing file is not a problem (dotenv is optional): the result is empty and no warning is added.
    static QMap<QString, QString> read(const QString &path, QStringList *warnings);
    // `fileLabel` names the file in warnings about lines that are not KEY=VALUE.
    static QMap<QString, QString> parse(const QByteArray &content, const QString &fileLabel, QStringList *warnings);
};

} // namespace qsoketi
