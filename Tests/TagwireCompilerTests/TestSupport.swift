import Foundation
import TagwireCompiler
import TagwireModel
import TagwireTestSupport

/// The example properties, relative to the repository root.
enum Repo {
    static let examples = ["Properties/meta-quickstart-web", "Properties/meta-quickstart-edge"]
}
