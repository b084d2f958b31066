#ifndef TAGWIRE_FUZZ_H
#define TAGWIRE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (in the toolchain's libclang_rt.fuzzer): parses libFuzzer's options from argc/argv and calls
/// `callback` with each input. SwiftPM gives an executable its own `main`, so the fuzzer is started from it.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
