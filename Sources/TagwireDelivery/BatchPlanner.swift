/// Groups claimed records into requests and isolates bad events by bisection.
public enum BatchPlanner {
    /// Meta's limit per request.
    public static let maximumBatch = 1000

    /// Records grouped by batch key (in claim order), each group split into requests of at most `limit`.
    public static func batches(_ records: [OutboxRecord], limit: Int = maximumBatch) -> [[OutboxRecord]] {
        var order: [String] = []
        var groups: [String: [OutboxRecord]] = [:]
        for r in records {
            if groups[r.item.batchKey] == nil { order.append(r.item.batchKey) }
            groups[r.item.batchKey, default: []].append(r)
        }
        var out: [[OutboxRecord]] = []
        for key in order {
            guard let group = groups[key] else { continue }
            var start = 0
            while start < group.count {
                out.append(Array(group[start..<min(start + max(1, limit), group.count)]))
                start += max(1, limit)
            }
        }
        return out
    }

    /// The two halves of a batch Meta rejected as invalid, to be sent separately until each bad event stands
    /// alone. A single record cannot be split.
    public static func bisect(_ batch: [OutboxRecord]) -> [[OutboxRecord]]? {
        guard batch.count > 1 else { return nil }
        let mid = batch.count / 2
        return [Array(batch[..<mid]), Array(batch[mid...])]
    }
}
