import CSQLite
import Dispatch
import Synchronization

/// Copies the outbox's write-ahead log back into the database file on its own thread and connection.
///
/// SQLite's default checkpoints run inside the commit that crosses 1,000 log pages: that commit then writes
/// those pages to the database file and syncs it before it returns, and every request waiting on it waits too
/// (under load, a stall of the whole server a few times a second). Here the commit only notices the log's size
/// (SQLite's WAL hook) and asks this thread for a passive checkpoint, which runs beside the next commits without
/// blocking them. Should the log still reach ``inlineLimit`` pages (checkpoints falling behind, or a reader holding
/// them back), the commit checkpoints itself, as SQLite would, so the log stays bounded.
final class Checkpointer: Sendable {
    /// Log pages after which a background checkpoint is asked for: a quarter of SQLite's default, so that each
    /// checkpoint's sync of the database file flushes ~0.5 MB rather than ~2 MB. Commits sync the log on the same
    /// disk, and one queued behind a large flush waited for it (under load: p99s of 42–75 ms in some runs at 500
    /// and 1,000 pages, none past 16.5 ms in ~17 runs at 250; the throughput cost, if any, is within this machine's
    /// noise — see docs/BENCHMARKS.md).
    static let backgroundLimit: Int32 = 250
    /// Log pages after which the committing connection checkpoints inline.
    static let inlineLimit: Int32 = 10_000

    private let path: String
    private let queue = DispatchQueue(label: "tagwire.outbox.checkpoint")
    /// Whether a checkpoint is asked for and not yet run (requests coalesce).
    private let pending = Atomic<Bool>(false)
    /// The checkpointing connection, opened on first use; only touched on `queue`.
    private let connection = Mutex<OpaquePointer?>(nil)
    /// Background checkpoints run so far (for tests and figures).
    let completed = Atomic<Int>(0)

    init(path: String) { self.path = path }

    deinit {
        connection.withLock { db in
            sqlite3_close(db)
            db = nil
        }
    }

    /// Installs the WAL hook on the writing connection.
    func install(on db: OpaquePointer) {
        sqlite3_wal_hook(db, { context, db, _, pages in
            guard let context else { return SQLITE_OK }
            let checkpointer = Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue()
            if pages >= Checkpointer.inlineLimit {
                sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            } else if pages >= Checkpointer.backgroundLimit {
                checkpointer.request()
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Asks for a background checkpoint (at most one queued at a time).
    func request() {
        guard !pending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        queue.async { [self] in
            pending.store(false, ordering: .releasing)
            run()
        }
    }

    private func run() {
        connection.withLock { db in
            if db == nil {
                // Should it fail to open, the log grows until a commit checkpoints it inline (``inlineLimit``).
                guard let opened = try? SQLiteOutbox.open(path, create: false) else { return }
                // The log is synced before its pages are copied and the database file after, as on the writer.
                sqlite3_exec(opened, "PRAGMA synchronous = FULL", nil, nil, nil)
                db = opened
            }
            guard let db else { return }
            if sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil) == SQLITE_OK {
                completed.add(1, ordering: .relaxed)
            }
        }
    }

    /// Waits until asked-for checkpoints have run.
    func settle() {
        queue.sync {}
    }
}
