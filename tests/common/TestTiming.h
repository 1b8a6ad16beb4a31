// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Timing limits of the tests, scaled for instrumented builds: under AddressSanitizer (the sanitizer job,
// tests/sanitize/run.sh, with libFuzzer's coverage too) the server's code runs about 3x slower, and the
// job shares the machine's cores with the rest of CI. Multiply a limit in milliseconds by this.
#if defined(__SANITIZE_ADDRESS__)
#define QSOKETI_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QSOKETI_TEST_UNDER_ASAN 1
#endif
#endif

namespace TestTiming {
#ifdef QSOKETI_TEST_UNDER_ASAN
inline constexpr int slowdown = 4;
#else
inline constexpr int slowdown = 1;
#endif
} // namespace TestTiming
