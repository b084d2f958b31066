import CSQLite
import Dispatch
import Synchronization

/// Copies the outbox's write-ahead log back into the database file on its own thread and connection.
///
/// SQLite's default checkpoints run inside the commit that crosses 1,000 log pages: that commit then writes
/// those pages to the database file and syncs it before it returns, and every request waiting on it waits too
/// (under load, a stall of the whole server a few times a second). Here the commit only notices the log's size
/// (SQLite's WAL hook) and asks this thread for a passive checkpoint, which runs beside the next commits without
/// blocking them, each time ``backgroundLimit`` pages were added.
///
/// Under steady load the log seldom starts over by itself: SQLite rewinds it only when a commit begins just after a
/// checkpoint copied all of it, and with commits every millisecond there is nearly always a newer one. So once it
/// holds ``restartLimit`` pages, the committing connection checkpoints inline what the background runs have not
/// copied yet (up to ``backgroundLimit`` pages and one sync of the database file), and the next commit starts the
/// log over. The same bound holds when checkpoints fall behind or a reader holds them back.
final class Checkpointer: Sendable {
    /// Log pages after which a background checkpoint is asked for: a quarter of SQLite's default, so that each
    /// checkpoint's sync of the database file flushes ~0.5 MB rather than ~2 MB. Commits sync the log on the same
    /// disk, and one queued behind a large flush waited for it (under load: p99s of 42–75 ms in some runs at 500
    /// and 1,000 pages, none past 16.5 ms in ~17 runs at 250, and none past 14.5 ms since checkpoints are asked for
    /// per 250 pages added; the throughput cost, if any, is within this machine's noise — see docs/BENCHMARKS.md).
    static let backgroundLimit: Int32 = 250
    /// Log pages after which the committing connection checkpoints inline, so that the log starts over (4 MiB of
    /// log with 2 KiB pages; about one commit in 150 under load does it).
    static let restartLimit: Int32 = 2_000

    private let path: String
    private let queue = DispatchQueue(label: "tagwire.outbox.checkpoint")
    /// Whether a checkpoint is asked for and not yet run (requests coalesce).
    private let pending = Atomic<Bool>(false)
    /// The checkpointing connection, opened on first use; only touched on `queue`.
    private let connection = Mutex<OpaquePointer?>(nil)
    /// The log's length after the last commit, and when a checkpoint was last asked for (only the writing
    /// connection's hook touches them).
    private let lastLength = Atomic<Int32>(0)
    private let lastAsked = Atomic<Int32>(0)
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
        sqlite3_wal_hook(
            db,
            { context, db, _, pages in
                guard let context else { return SQLITE_OK }
                let checkpointer = Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue()
                if pages >= Checkpointer.restartLimit {
                    sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
                } else {
                    checkpointer.logGrew(to: pages)
                }
                return SQLITE_OK
            },
            Unmanaged.passUnretained(self).toOpaque()
        )
    }

    /// Asks for a checkpoint each time ``backgroundLimit`` pages were added to the log since the last time it asked.
    ///
    /// SQLite reports the log's whole length after each commit. Asking whenever that length was past the limit (as
    /// this did at first) kept the checkpointer running back to back under load, each run copying a few pages and
    /// syncing both files: nearly half as many syncs again as the commits made, on the disk they wait for.
    func logGrew(to pages: Int32) {
        // A log shorter than after the previous commit was reset to its start: count from there.
        let previous = lastLength.exchange(pages, ordering: .relaxed)
        if pages < previous { lastAsked.store(0, ordering: .relaxed) }
        guard pages - lastAsked.load(ordering: .relaxed) >= Self.backgroundLimit else { return }
        lastAsked.store(pages, ordering: .relaxed)
        request()
    }

    /// Asks for a background checkpoint (at most one queued at a time).
    private func request() {
        guard !pending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        queue.async { [self] in
            pending.store(false, ordering: .releasing)
            run()
        }
    }

    private func run() {
        connection.withLock { db in
            if db == nil {
                // Should it fail to open, the log grows until a commit checkpoints it inline (``restartLimit``).
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
