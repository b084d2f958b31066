import CSQLite
import Synchronization
import TagwireDelivery

/// A failure of the SQLite outbox, with SQLite's message.
public struct SQLiteOutboxError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "sqlite outbox: \(message)" }
}

/// The embedded default outbox: one SQLite file in the data directory, in WAL mode with full synchronisation, so
/// an enqueue that returned survives a crash of the process or the machine.
///
/// Every call runs under one lock on one connection; a batch of items is one transaction (one fsync), which is
/// how concurrent requests share commits when their callers gather them.
public final class SQLiteOutbox: Outbox {
    /// The connection and the statements every commit runs, prepared once (preparing `BEGIN`, `COMMIT` and the
    /// insert again for each commit cost more than inserting a request's rows).
    private struct Connection {
        var db: OpaquePointer?
        var prepared: [Statement: OpaquePointer] = [:]

        enum Statement: String {
            case begin = "BEGIN IMMEDIATE"
            case commit = "COMMIT"
            case insert = "INSERT INTO outbox (destination, batch_key, payload, event_time) VALUES (?, ?, ?, ?)"
        }

        /// The prepared statement, reset and unbound, ready to bind and step.
        mutating func statement(_ which: Statement) throws -> OpaquePointer {
            guard let db else { throw SQLiteOutboxError(message: "closed") }
            if let stmt = prepared[which] { return stmt }
            var statement: OpaquePointer?
            guard
                sqlite3_prepare_v3(db, which.rawValue, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
                    == SQLITE_OK, let stmt = statement
            else {
                throw SQLiteOutboxError(message: String(cString: sqlite3_errmsg(db)))
            }
            prepared[which] = stmt
            return stmt
        }

        /// Steps a statement without results (`BEGIN`, `COMMIT`, one insert) and resets it.
        func step(_ stmt: OpaquePointer) -> Bool {
            let rc = sqlite3_step(stmt)
            sqlite3_reset(stmt)
            return rc == SQLITE_DONE
        }

        mutating func close() {
            for stmt in prepared.values { sqlite3_finalize(stmt) }
            prepared = [:]
            sqlite3_close(db)
            db = nil
        }
    }

    private let connection: Mutex<Connection>
    /// Checkpoints the log away from commits (see ``Checkpointer``).
    let checkpointer: Checkpointer
    /// The database file.
    public let path: String

    /// Opens (creating when needed) the outbox at `path`.
    public init(path: String) throws {
        self.path = path
        let handle = try Self.open(path, create: true)
        checkpointer = Checkpointer(path: path)
        checkpointer.install(on: handle)
        connection = Mutex(Connection(db: handle))
        // 2 KiB pages for a new file: a Conversions API event (~1.7 KB) fills one, and a commit of a few events writes
        // a third fewer log bytes than with 4 KiB pages (where two rows share a page and the last one is rewritten by
        // every commit). An existing file keeps the page size it was made with.
        try execute(
            """
            PRAGMA page_size = 2048;
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            CREATE TABLE IF NOT EXISTS outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                destination TEXT NOT NULL,
                batch_key TEXT NOT NULL,
                payload BLOB NOT NULL,
                event_time REAL NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                available_at REAL NOT NULL DEFAULT 0,
                lease_until REAL,
                last_error TEXT,
                dead_reason TEXT
            );
            CREATE INDEX IF NOT EXISTS outbox_ready ON outbox (dead_reason, available_at, id);
            """
        )
    }

    /// A connection to the file at `path` (created when asked), waiting up to 5 s for another writer's lock.
    static func open(_ path: String, create: Bool) throws -> OpaquePointer {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (create ? SQLITE_OPEN_CREATE : 0)
        guard sqlite3_open_v2(path, &db, flags, nil) == SQLITE_OK, let handle = db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            throw SQLiteOutboxError(message: "\(message) (\(path))")
        }
        sqlite3_busy_timeout(handle, 5_000)
        return handle
    }

    deinit {
        connection.withLock { $0.close() }
        checkpointer.settle()
    }

    // MARK: statements

    private enum Value {
        case int(Int64)
        case double(Double)
        case text(String)
        case blob([UInt8])
        case null
    }

    private func execute(_ sql: String) throws {
        try connection.withLock { c in
            var error: UnsafeMutablePointer<CChar>?
            if sqlite3_exec(c.db, sql, nil, nil, &error) != SQLITE_OK {
                let message = error.map { String(cString: $0) } ?? "error"
                sqlite3_free(error)
                throw SQLiteOutboxError(message: message)
            }
        }
    }

    /// Runs statements in one transaction (BEGIN IMMEDIATE … COMMIT), rolling back on error.
    private func transaction<T>(_ body: (OpaquePointer, inout Connection) throws -> T) throws -> T {
        try connection.withLock { c in
            guard let db = c.db else { throw SQLiteOutboxError(message: "closed") }
            guard c.step(try c.statement(.begin)) else {
                throw SQLiteOutboxError(message: String(cString: sqlite3_errmsg(db)))
            }
            do {
                let result = try body(db, &c)
                guard c.step(try c.statement(.commit)) else {
                    throw SQLiteOutboxError(message: String(cString: sqlite3_errmsg(db)))
                }
                return result
            } catch {
                sqlite3_exec(db, "ROLLBACK", nil, nil, nil)
                throw error
            }
        }
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Prepares, binds, steps through every row and finalizes.
    private static func run(
        _ db: OpaquePointer,
        _ sql: String,
        _ values: [Value],
        row: ((OpaquePointer) -> Void)? = nil
    ) throws {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let stmt = statement else {
            throw SQLiteOutboxError(message: String(cString: sqlite3_errmsg(db)))
        }
        defer { sqlite3_finalize(stmt) }
        for (i, v) in values.enumerated() {
            let index = Int32(i + 1)
            switch v {
            case .int(let n): sqlite3_bind_int64(stmt, index, n)
            case .double(let d): sqlite3_bind_double(stmt, index, d)
            case .text(let s): sqlite3_bind_text(stmt, index, s, -1, transient)
            case .blob(let b):
                _ = b.withUnsafeBytes { sqlite3_bind_blob(stmt, index, $0.baseAddress, Int32($0.count), transient) }
            case .null: sqlite3_bind_null(stmt, index)
            }
        }
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else { throw SQLiteOutboxError(message: String(cString: sqlite3_errmsg(db))) }
            row?(stmt)
        }
    }

    private static func text(_ stmt: OpaquePointer, _ column: Int32) -> String? {
        guard let c = sqlite3_column_text(stmt, column) else { return nil }
        return String(cString: c)
    }

    private static func record(_ stmt: OpaquePointer) -> OutboxRecord {
        let count = Int(sqlite3_column_bytes(stmt, 3))
        var payload: [UInt8] = []
        if let blob = sqlite3_column_blob(stmt, 3), count > 0 {
            payload = Array(UnsafeRawBufferPointer(start: blob, count: count))
        }
        let item = OutboxItem(
            destination: text(stmt, 1) ?? "",
            batchKey: text(stmt, 2) ?? "",
            payload: payload,
            eventTime: sqlite3_column_double(stmt, 4)
        )
        return OutboxRecord(
            id: sqlite3_column_int64(stmt, 0),
            item: item,
            attempts: Int(sqlite3_column_int64(stmt, 5)),
            availableAt: sqlite3_column_double(stmt, 6),
            lastError: text(stmt, 7)
        )
    }

    private static let columns = "id, destination, batch_key, payload, event_time, attempts, available_at, last_error"

    private static func idList(_ ids: [Int64]) -> String { ids.map(String.init).joined(separator: ",") }

    // MARK: Outbox

    public func enqueue(_ items: [OutboxItem]) async throws -> [Int64] {
        try transaction { db, c in
            let stmt = try c.statement(.insert)
            defer { sqlite3_clear_bindings(stmt) }
            var ids: [Int64] = []
            ids.reserveCapacity(items.count)
            for item in items {
                sqlite3_bind_text(stmt, 1, item.destination, -1, Self.transient)
                sqlite3_bind_text(stmt, 2, item.batchKey, -1, Self.transient)
                _ = item.payload.withUnsafeBytes {
                    sqlite3_bind_blob(stmt, 3, $0.baseAddress, Int32($0.count), Self.transient)
                }
                sqlite3_bind_double(stmt, 4, item.eventTime)
                guard c.step(stmt) else { throw SQLiteOutboxError(message: String(cString: sqlite3_errmsg(db))) }
                ids.append(sqlite3_last_insert_rowid(db))
            }
            return ids
        }
    }

    public func claim(limit: Int, lease: Double, now: Double) async throws -> [OutboxRecord] {
        try transaction { db, _ in
            var records: [OutboxRecord] = []
            try Self.run(
                db,
                """
                SELECT \(Self.columns) FROM outbox
                WHERE dead_reason IS NULL AND available_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
                ORDER BY id LIMIT ?
                """,
                [.double(now), .double(now), .int(Int64(limit))]
            ) { records.append(Self.record($0)) }
            if !records.isEmpty {
                try Self.run(
                    db,
                    "UPDATE outbox SET lease_until = ? WHERE id IN (\(Self.idList(records.map(\.id))))",
                    [.double(now + lease)]
                )
            }
            return records
        }
    }

    public func complete(_ ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try transaction { db, _ in try Self.run(db, "DELETE FROM outbox WHERE id IN (\(Self.idList(ids)))", []) }
    }

    public func reschedule(_ ids: [Int64], availableAt: Double, error: String) async throws {
        guard !ids.isEmpty else { return }
        try transaction { db, _ in
            try Self.run(
                db,
                """
                UPDATE outbox SET attempts = attempts + 1, available_at = ?, last_error = ?, lease_until = NULL
                WHERE id IN (\(Self.idList(ids)))
                """,
                [.double(availableAt), .text(error)]
            )
        }
    }

    public func deadLetter(_ ids: [Int64], reason: String) async throws {
        guard !ids.isEmpty else { return }
        try transaction { db, _ in
            try Self.run(
                db,
                "UPDATE outbox SET dead_reason = ?, lease_until = NULL, attempts = attempts + 1 WHERE id IN (\(Self.idList(ids)))",
                [.text(reason)]
            )
        }
    }

    public func stats(now: Double) async throws -> [String: OutboxStats] {
        try transaction { db, _ in
            var out: [String: OutboxStats] = [:]
            try Self.run(
                db,
                """
                SELECT destination,
                    SUM(CASE WHEN dead_reason IS NULL AND (lease_until IS NULL OR lease_until <= ?) THEN 1 ELSE 0 END),
                    SUM(CASE WHEN dead_reason IS NULL AND lease_until > ? THEN 1 ELSE 0 END),
                    SUM(CASE WHEN dead_reason IS NULL AND (lease_until IS NULL OR lease_until <= ?) AND attempts > 0 THEN 1 ELSE 0 END),
                    SUM(CASE WHEN dead_reason IS NOT NULL THEN 1 ELSE 0 END)
                FROM outbox GROUP BY destination
                """,
                [.double(now), .double(now), .double(now)]
            ) { stmt in
                out[Self.text(stmt, 0) ?? ""] = OutboxStats(
                    queued: Int(sqlite3_column_int64(stmt, 1)),
                    inFlight: Int(sqlite3_column_int64(stmt, 2)),
                    retrying: Int(sqlite3_column_int64(stmt, 3)),
                    deadLettered: Int(sqlite3_column_int64(stmt, 4))
                )
            }
            return out
        }
    }

    public func deadLetters(limit: Int) async throws -> [DeadLetter] {
        try transaction { db, _ in
            var out: [DeadLetter] = []
            try Self.run(
                db,
                "SELECT \(Self.columns), dead_reason FROM outbox WHERE dead_reason IS NOT NULL ORDER BY id LIMIT ?",
                [.int(Int64(limit))]
            ) { stmt in
                let r = Self.record(stmt)
                out.append(DeadLetter(id: r.id, item: r.item, attempts: r.attempts, reason: Self.text(stmt, 8) ?? ""))
            }
            return out
        }
    }

    public func requeue(_ ids: [Int64], now: Double) async throws {
        guard !ids.isEmpty else { return }
        try transaction { db, _ in
            try Self.run(
                db,
                """
                UPDATE outbox SET dead_reason = NULL, attempts = 0, available_at = ?, lease_until = NULL
                WHERE dead_reason IS NOT NULL AND id IN (\(Self.idList(ids)))
                """,
                [.double(now)]
            )
        }
    }

    public func purgeDeadLetters() async throws -> Int {
        try transaction { db, _ in
            try Self.run(db, "DELETE FROM outbox WHERE dead_reason IS NOT NULL", [])
            return Int(sqlite3_changes(db))
        }
    }
}
