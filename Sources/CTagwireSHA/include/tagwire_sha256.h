#ifndef TAGWIRE_SHA256_H
#define TAGWIRE_SHA256_H

#include <stddef.h>
#include <stdint.h>

/// The 64 round constants of SHA-256 (FIPS 180-4 §4.2.2), shared with the portable Swift implementation.
const uint32_t *tagwire_sha256_round_constants(void);

/// 1 when this processor has the x86 SHA extensions (and SSSE3 / SSE4.1), else 0.
int tagwire_sha256_hardware_available(void);

/// Compresses `blocks` 64-byte blocks into `state` (a..h) with the SHA extensions. Call only when
/// `tagwire_sha256_hardware_available()` returned 1.
void tagwire_sha256_hardware_compress(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
