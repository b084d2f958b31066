import Foundation
import TagwireCommands

#if canImport(Glibc)
    import Glibc
#endif

@main
struct Entrypoint {
    static func main() async {
        #if canImport(Glibc)
            // A write past a file-size limit (RLIMIT_FSIZE) then fails with EFBIG, which the outbox reports as an
            // error (serve answers 503), instead of the signal ending the process.
            signal(SIGXFSZ, SIG_IGN)
        #endif
        await TagwireCommand.run(Array(CommandLine.arguments.dropFirst()))
    }
}
