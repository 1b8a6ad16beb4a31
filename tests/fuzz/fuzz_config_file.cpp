// SPDX-License-Identifier: GPL-3.0-or-later
// The JSON config file (`qsoketi start --config FILE`): the input is written to a file that
// ConfigLoader::load reads with an empty environment, so every key and value goes through the same
// routing and validation as a user's file. Every problem must come back as an error or warning line.
#include <cstddef>
#include <cstdint>

#include <QProcessEnvironment>

#include "FuzzCheck.h"
#include "FuzzInputFile.h"
#include "config/ConfigLoader.h"

using namespace qsoketi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FuzzInputFile file(QStringLiteral("config.json"));
    const QString &path = file.write(reinterpret_cast<const char *>(data), qsizetype(size));
    const ConfigResult result = ConfigLoader::load(path, QProcessEnvironment(), QString());
    for (const QString &line : result.errors + result.warnings)
        FUZZ_CHECK(!line.isEmpty());
    if (result.ok())
        FUZZ_CHECK(!result.config.apps.isEmpty());
    return 0;
}
