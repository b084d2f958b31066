import Foundation
import TagwireFuzzing
import TagwireTestSupport
import Testing

/// Every input each fuzz target's saved corpus holds (its seeds and what libFuzzer kept, crashes made regression
/// inputs included) runs through the target again: none may crash.
struct CorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")
    static let targets = FuzzTargets(repository: Repository.root.path)

    @Test(arguments: FuzzTargets.names)
    func theSavedCorpusRunsWithoutACrash(_ target: String) throws {
        #expect(Self.targets.isReady, "the example properties compile")
        let dir = Self.corpus.appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(!names.isEmpty, "\(target) has a saved corpus")
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent(name)))
            #expect(Self.targets.run(target, bytes))
        }
    }

    @Test
    func aPropertyBlobHoldsItsFiles() throws {
        let blob = FuzzTargets.propertyBlob([("property.json", Array("{}".utf8)), ("rules/a.json", [])])
        #expect(blob == Array("property.json\u{0}{}\u{0}rules/a.json\u{0}\u{0}".utf8))
        #expect(!Self.targets.run("no such target", blob))
    }
}
