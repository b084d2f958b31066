/// An extension's code for the browser runtime: JavaScript that registers the extension's components with
/// `tagwire.define`, as readable source (development builds) and minified (staging and production).
public struct BrowserScript: Sendable, Hashable {
    public var readable: String
    public var minified: String

    public init(readable: String, minified: String) {
        self.readable = readable
        self.minified = minified
    }

    /// A script from the UTF-8 bytes a target embeds (`resources: [.embedInCode(...)]`).
    public init(readable: [UInt8], minified: [UInt8]) {
        self.init(
            readable: String(decoding: readable, as: UTF8.self),
            minified: String(decoding: minified, as: UTF8.self)
        )
    }
}
