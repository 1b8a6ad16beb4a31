# SPDX-License-Identifier: GPL-3.0-or-later
# cmake -DNPM=<npm> -DDIR=<tests/e2e> -P npm_ci.cmake
# Runs `npm ci` in DIR unless node_modules already matches package-lock.json (hash stamp).
file(SHA256 ${DIR}/package-lock.json lock_hash)
set(stamp ${DIR}/node_modules/.qsoketi-lock.sha256)
if(EXISTS ${stamp})
    file(READ ${stamp} installed_hash)
    string(STRIP "${installed_hash}" installed_hash)
    if(installed_hash STREQUAL lock_hash)
        message(STATUS "node_modules is up to date with package-lock.json")
        return()
    endif()
endif()
message(STATUS "running npm ci in ${DIR}")
execute_process(COMMAND ${NPM} ci --no-audit --no-fund
    WORKING_DIRECTORY ${DIR}
    RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "npm ci failed (${rc}); the e2e tests need the npm registry the first time")
endif()
file(WRITE ${stamp} "${lock_hash}\n")
