import Foundation
import TagwireFuzzing

// libFuzzer's entry point: `TAGWIRE_FUZZ_TARGET` names the target (json, property, engine or request); the example
// properties are read from the current directory, the repository's root. scripts/fuzz.sh builds and runs it.

let targets = FuzzTargets(repository: FileManager.default.currentDirectoryPath)
let target = ProcessInfo.processInfo.environment["TAGWIRE_FUZZ_TARGET"] ?? "json"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    targets.run(target, Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
