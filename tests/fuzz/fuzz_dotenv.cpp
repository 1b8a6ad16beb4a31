// SPDX-License-Identifier: GPL-3.0-or-later
// `.env` files: the input is parsed by DotEnvFile, then written as the .env of an otherwise empty folder
// that ConfigLoader::load reads, so each SOKETI_* line also goes through the environment-variable rules
// (JSON-first values, typo detection, validation).
#include <cstddef>
#include <cstdint>

#include <QProcessEnvironment>

#include "FuzzCheck.h"
#include "FuzzInputFile.h"
#include "config/ConfigLoader.h"
#include "config/DotEnvFile.h"

using namespace qsoketi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray content(reinterpret_cast<const char *>(data), qsizetype(size));
    QStringList warnings;
    const QMap<QString, QString> values = DotEnvFile::parse(content, QStringLiteral(".env"), &warnings);
    for (auto it = values.cbegin(); it != values.cend(); ++it)
        FUZZ_CHECK(!it.key().isEmpty());

    static FuzzInputFile file(QStringLiteral(".env"));
    file.write(content.constData(), content.size());
    const ConfigResult result = ConfigLoader::load(QString(), QProcessEnvironment(), file.folder());
    for (const QString &line : result.errors + result.warnings)
        FUZZ_CHECK(!line.isEmpty());
    return 0;
}
