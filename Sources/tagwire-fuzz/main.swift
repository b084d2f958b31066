import CTagwireFuzz
import Foundation
import TagwireFuzzing

// libFuzzer started from SwiftPM's `main`: `TAGWIRE_FUZZ_TARGET` names the target (json, property, engine or
// request); the example properties are read from the current directory, the repository's root. scripts/fuzz.sh
// builds and runs it.

let targets = FuzzTargets(repository: FileManager.default.currentDirectoryPath)
let target = ProcessInfo.processInfo.environment["TAGWIRE_FUZZ_TARGET"] ?? "json"

/// libFuzzer's callback: one input for the target.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    targets.run(target, Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

guard targets.isReady, FuzzTargets.names.contains(target) else {
    FileHandle.standardError.write(
        Data(
            "tagwire-fuzz: run from the repository's root with TAGWIRE_FUZZ_TARGET=json|property|engine|request\n".utf8
        )
    )
    exit(2)
}
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
