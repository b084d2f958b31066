/// A stack of values the reader gathers children on before it knows how many an array or object has. Finished
/// children are moved (not copied) into an array of exactly the right size.
struct ScratchStack<Element>: ~Copyable {
    private var storage: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 64) {
        self.capacity = capacity
        storage = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    mutating func push(_ value: consuming Element) {
        if count == capacity {
            let bigger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
            bigger.moveInitialize(from: storage, count: count)
            storage.deallocate()
            storage = bigger
            capacity *= 2
        }
        (storage + count).initialize(to: value)
        count += 1
    }

    /// The element at `index` (which must be below `count`).
    subscript(index: Int) -> Element {
        storage[index]
    }

    /// Moves the elements from `start` to the top into a new array and pops them.
    mutating func popArray(from start: Int) -> [Element] {
        let n = count - start
        guard n > 0 else { return [] }
        let source = storage + start
        let result = [Element](unsafeUninitializedCapacity: n) { buffer, initialized in
            if let destination = buffer.baseAddress {
                destination.moveInitialize(from: source, count: n)
                initialized = n
            } else {
                initialized = 0
            }
        }
        count = start
        return result
    }

    /// Drops the elements from `start` to the top (after an error).
    mutating func truncate(to start: Int) {
        guard count > start else { return }
        (storage + start).deinitialize(count: count - start)
        count = start
    }
}
