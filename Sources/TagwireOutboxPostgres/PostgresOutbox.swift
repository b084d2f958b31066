import Foundation
import Logging
import NIOCore
import PostgresNIO
import TagwireDelivery

/// The outbox several runners share: PostgreSQL, claims with `FOR UPDATE SKIP LOCKED` (two runners never claim the
/// same record) and leases that expire when a runner dies.
///
/// The client must be running: use ``withOutbox(url:table:_:)``, which runs it for the duration of the body.
public final class PostgresOutbox: ListeningOutbox {
    let client: PostgresClient
    /// The table (letters, digits and `_`), so tests and environments can keep apart.
    public let table: String

    init(client: PostgresClient, table: String) {
        self.client = client
        self.table = table
    }

    /// A client configuration from `postgres://user:password@host:port/database`.
    public static func configuration(url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url),
            components.scheme == "postgres" || components.scheme == "postgresql",
            let host = components.host, let user = components.user
        else {
            throw PostgresOutboxError(message: "expected postgres://user:password@host:port/database")
        }
        let database = components.path.split(separator: "/").first.map(String.init)
        return PostgresClient.Configuration(
            host: host,
            port: components.port ?? 5432,
            username: user,
            password: components.password,
            database: database,
            tls: .disable
        )
    }

    /// Runs a client for `url`, creates the table when needed, and hands the outbox to `body`.
    public static func withOutbox<T: Sendable>(
        url: String,
        table: String = "tagwire_outbox",
        _ body: @Sendable (PostgresOutbox) async throws -> T
    ) async throws -> T {
        guard !table.isEmpty,
            table.unicodeScalars.allSatisfy({ ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "_" })
        else {
            throw PostgresOutboxError(message: "table names are lower-case letters, digits and '_'")
        }
        var logger = Logger(label: "tagwire.outbox.postgres")
        logger.logLevel = .error
        let client = PostgresClient(configuration: try configuration(url: url), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            let outbox = PostgresOutbox(client: client, table: table)
            do {
                try await outbox.migrate()
                let result = try await body(outbox)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// Creates the table and its index. Runners and `run --enqueue` often start together, and two concurrent
    /// `CREATE TABLE IF NOT EXISTS` of one table can fail on PostgreSQL's catalog constraints, so the creation runs
    /// in a transaction holding an advisory lock named after the table.
    func migrate() async throws {
        let table = self.table
        try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: Self.logger)
            do {
                try await connection.query(
                    "SELECT pg_advisory_xact_lock(hashtext(\(table)))",
                    logger: Self.logger
                )
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            CREATE TABLE IF NOT EXISTS \(table) (
                                id BIGSERIAL PRIMARY KEY,
                                destination TEXT NOT NULL,
                                batch_key TEXT NOT NULL,
                                payload BYTEA NOT NULL,
                                event_time DOUBLE PRECISION NOT NULL,
                                attempts INTEGER NOT NULL DEFAULT 0,
                                available_at DOUBLE PRECISION NOT NULL DEFAULT 0,
                                lease_until DOUBLE PRECISION,
                                last_error TEXT,
                                dead_reason TEXT
                            )
                            """
                    ),
                    logger: Self.logger
                )
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL:
                            "CREATE INDEX IF NOT EXISTS \(table)_ready ON \(table) (available_at, id) WHERE dead_reason IS NULL"
                    ),
                    logger: Self.logger
                )
                try await connection.query("COMMIT", logger: Self.logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: Self.logger)
                throw error
            }
        }
    }

    static let logger: Logger = {
        var l = Logger(label: "tagwire.outbox.postgres")
        l.logLevel = .error
        return l
    }()

    static let columns = "id, destination, batch_key, payload, event_time, attempts, available_at, last_error"

    func records(_ rows: PostgresRowSequence) async throws -> [OutboxRecord] {
        var out: [OutboxRecord] = []
        for try await (id, destination, key, payload, eventTime, attempts, availableAt, lastError) in rows.decode(
            (Int64, String, String, ByteBuffer, Double, Int32, Double, String?).self
        ) {
            out.append(
                OutboxRecord(
                    id: id,
                    item: OutboxItem(
                        destination: destination,
                        batchKey: key,
                        payload: Array(buffer: payload),
                        eventTime: eventTime
                    ),
                    attempts: Int(attempts),
                    availableAt: availableAt,
                    lastError: lastError
                )
            )
        }
        return out.sorted { $0.id < $1.id }
    }

    /// The channel enqueues notify, with the table as payload.
    public static let channel = "tagwire_outbox"

    public func enqueue(_ items: [OutboxItem]) async throws -> [Int64] {
        guard !items.isEmpty else { return [] }
        let table = self.table
        let logger = Self.logger
        // One statement for the whole batch: the columns travel as four arrays and UNNEST turns them into rows,
        // inserted in array order, so the ascending ids map back to the items in order.
        let destinations = items.map(\.destination)
        let keys = items.map(\.batchKey)
        let payloads = items.map { ByteBuffer(bytes: $0.payload) }
        let times = items.map(\.eventTime)
        return try await client.withTransaction(logger: logger) { connection in
            var ids: [Int64] = []
            ids.reserveCapacity(items.count)
            let rows = try await connection.query(
                """
                INSERT INTO \(unescaped: table) (destination, batch_key, payload, event_time)
                SELECT * FROM UNNEST(\(destinations)::text[], \(keys)::text[], \(payloads)::bytea[], \(times)::float8[])
                RETURNING id
                """,
                logger: logger
            )
            for try await id in rows.decode(Int64.self) { ids.append(id) }
            guard ids.count == items.count else {
                throw PostgresOutboxError(message: "inserted \(ids.count) rows for \(items.count) items")
            }
            // Wake listening workers (LISTEN tagwire_outbox); delivered when the transaction commits.
            try await connection.query("SELECT pg_notify(\(Self.channel), \(table))", logger: logger)
            return ids.sorted()
        }
    }

    /// Calls `wake` whenever any process enqueues into this table (LISTEN on ``channel``), until cancelled. Holds
    /// one connection of the pool while it listens.
    public func listen(_ wake: @escaping @Sendable () -> Void) async throws {
        let table = self.table
        try await client.withConnection { connection in
            try await connection.listen(on: Self.channel) { notifications in
                for try await notification in notifications where notification.payload == table { wake() }
            }
        }
    }

    public func claim(limit: Int, lease: Double, now: Double) async throws -> [OutboxRecord] {
        try await records(
            client.query(
                """
                UPDATE \(unescaped: table) SET lease_until = \(now + lease)
                WHERE id IN (
                    SELECT id FROM \(unescaped: table)
                    WHERE dead_reason IS NULL AND available_at <= \(now) AND (lease_until IS NULL OR lease_until <= \(now))
                    ORDER BY id LIMIT \(Int64(limit))
                    FOR UPDATE SKIP LOCKED
                )
                RETURNING \(unescaped: Self.columns)
                """
            )
        )
    }

    public func complete(_ ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await client.query("DELETE FROM \(unescaped: table) WHERE id = ANY(\(ids))")
    }

    public func reschedule(_ ids: [Int64], availableAt: Double, error: String) async throws {
        guard !ids.isEmpty else { return }
        try await client.query(
            """
            UPDATE \(unescaped: table) SET attempts = attempts + 1, available_at = \(availableAt), last_error = \(error), lease_until = NULL
            WHERE id = ANY(\(ids))
            """
        )
    }

    public func deadLetter(_ ids: [Int64], reason: String) async throws {
        guard !ids.isEmpty else { return }
        try await client.query(
            "UPDATE \(unescaped: table) SET dead_reason = \(reason), lease_until = NULL, attempts = attempts + 1 WHERE id = ANY(\(ids))"
        )
    }

    public func stats(now: Double) async throws -> [String: OutboxStats] {
        let rows = try await client.query(
            """
            SELECT destination,
                COUNT(*) FILTER (WHERE dead_reason IS NULL AND (lease_until IS NULL OR lease_until <= \(now))),
                COUNT(*) FILTER (WHERE dead_reason IS NULL AND lease_until > \(now)),
                COUNT(*) FILTER (WHERE dead_reason IS NULL AND (lease_until IS NULL OR lease_until <= \(now)) AND attempts > 0),
                COUNT(*) FILTER (WHERE dead_reason IS NOT NULL)
            FROM \(unescaped: table) GROUP BY destination
            """
        )
        var out: [String: OutboxStats] = [:]
        for try await (destination, queued, inFlight, retrying, dead) in rows.decode(
            (String, Int64, Int64, Int64, Int64).self
        ) {
            out[destination] = OutboxStats(
                queued: Int(queued),
                inFlight: Int(inFlight),
                retrying: Int(retrying),
                deadLettered: Int(dead)
            )
        }
        return out
    }

    public func deadLetters(limit: Int) async throws -> [DeadLetter] {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns), dead_reason FROM \(unescaped: table) WHERE dead_reason IS NOT NULL ORDER BY id LIMIT \(Int64(min(limit, Int(Int32.max))))
            """
        )
        var out: [DeadLetter] = []
        for try await (id, destination, key, payload, eventTime, attempts, _, _, reason) in rows.decode(
            (Int64, String, String, ByteBuffer, Double, Int32, Double, String?, String).self
        ) {
            out.append(
                DeadLetter(
                    id: id,
                    item: OutboxItem(
                        destination: destination,
                        batchKey: key,
                        payload: Array(buffer: payload),
                        eventTime: eventTime
                    ),
                    attempts: Int(attempts),
                    reason: reason
                )
            )
        }
        return out
    }

    public func requeue(_ ids: [Int64], now: Double) async throws {
        guard !ids.isEmpty else { return }
        try await client.query(
            """
            UPDATE \(unescaped: table) SET dead_reason = NULL, attempts = 0, available_at = \(now), lease_until = NULL
            WHERE dead_reason IS NOT NULL AND id = ANY(\(ids))
            """
        )
    }

    public func purgeDeadLetters() async throws -> Int {
        let rows = try await client.query("DELETE FROM \(unescaped: table) WHERE dead_reason IS NOT NULL RETURNING id")
        var n = 0
        for try await _ in rows { n += 1 }
        return n
    }

    /// Drops the table (tests).
    public func drop() async throws {
        try await client.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(table)"))
    }
}

/// A PostgreSQL outbox problem.
public struct PostgresOutboxError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "postgres outbox: \(message)" }
}
