// Declarations only (include/tagwire_fuzz.h): libFuzzer's driver is linked in by -sanitize=fuzzer.
#include "tagwire_fuzz.h"
