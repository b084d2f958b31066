import Foundation
import TagwireTestSupport
import Testing

@testable import TagwireHashing

struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        ("john_smith@gmail.com", "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"),
        ("16505551212", "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"),
    ])
    func matchesKnownDigests(_ input: String, _ digest: String) {
        #expect(SHA256.hexDigest(input) == digest)
    }

    @Test
    func hashesLongInputsAcrossBlocks() {
        let million = [UInt8](repeating: 0x61, count: 1_000_000)
        #expect(SHA256.hexDigest(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        var incremental = SHA256()
        million.withUnsafeBufferPointer { buf in
            incremental.update(UnsafeBufferPointer(rebasing: buf[0..<3]))
            incremental.update(UnsafeBufferPointer(rebasing: buf[3..<100_003]))
            incremental.update(UnsafeBufferPointer(rebasing: buf[100_003...]))
        }
        #expect(SHA256.hex(incremental.finalize()) == SHA256.hexDigest(million))
    }

    @Test(arguments: [0, 1, 55, 56, 63, 64, 65, 118, 119, 120, 200])
    func shortAndStreamingPathsAgree(_ length: Int) {
        let text = String(repeating: "é", count: length / 2) + String(repeating: "x", count: length % 2)
        var streaming = SHA256()
        streaming.update(Array(text.utf8))
        #expect(SHA256.hexDigest(text) == SHA256.hex(streaming.finalize()))
    }

    @Test(arguments: [0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000])
    func hardwareAndPortableCompressionAgree(_ length: Int) {
        // On processors with the SHA extensions the default path uses them; the portable Swift path must agree
        // (on others both are the Swift path and this still checks the vectors below).
        var rng = TestRandom()
        for _ in 0..<20 {
            let text = String(
                decoding: (0..<length).map { _ in UInt8.random(in: 0x20...0x7E, using: &rng) },
                as: UTF8.self
            )
            #expect(SHA256.hexDigest(text, portable: true) == SHA256.hexDigest(text), "\(rng)")
        }
        #expect(
            SHA256.hexDigest("abc", portable: true)
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
    }

    @Test
    func hmacMatchesMetaAppSecretProofVector() {
        #expect(
            SHA256.hmacHex(key: "sec", message: "tok")
                == "b13512356d1403d2449aa2e7369214f0459f0d3c08cb742b0aff4fe57aae36f5"
        )
    }
}
