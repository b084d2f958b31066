import Foundation
import Logging
import ServiceLifecycle
import TagwireDelivery
import TagwireMetaSender

/// Delivers the outbox to the Graph API in the background of `tagwire serve`: woken by each commit, otherwise
/// every `flushInterval`, so accepted events leave within about a second. Credentials come from the library
/// being served at the time of each batch. On graceful shutdown it makes one last pass, and whatever is not
/// delivered stays in the outbox for the next start.
public struct DeliveryService: Service {
    public let outbox: any Outbox
    public let store: LibraryStore
    public let metrics: ServerMetrics
    public let signal: WakeSignal
    public var flushInterval: Duration
    public var lease: Double
    public var batchLimit: Int
    public var logger: Logger
    /// Sends to the Graph API (`TAGWIRE_META_GRAPH_URL`).
    public var sender: ConversionsAPISender
    /// The time of each pass (Unix seconds): the system clock, or a test's.
    public var clock: @Sendable () -> Double

    public init(
        outbox: any Outbox,
        store: LibraryStore,
        metrics: ServerMetrics,
        signal: WakeSignal,
        flushInterval: Duration = .seconds(1),
        lease: Double = 60,
        batchLimit: Int = 1000,
        logger: Logger,
        sender: ConversionsAPISender = ConversionsAPISender(),
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.outbox = outbox
        self.store = store
        self.metrics = metrics
        self.signal = signal
        self.flushInterval = flushInterval
        self.lease = lease
        self.batchLimit = batchLimit
        self.logger = logger
        self.sender = sender
        self.clock = clock
    }

    /// The deliverer over the outbox, with credentials from the library served at each batch.
    func deliverer() -> OutboxDeliverer {
        let metrics = self.metrics
        let logger = self.logger
        var deliverer = OutboxDeliverer(
            outbox: outbox,
            sender: sender,
            lease: lease,
            batchLimit: batchLimit
        ) { [store] key in
            store.library?.credentials(key)
        }
        deliverer.observe = { observation in
            metrics.recordDelivery(outcome: observation.outcome, seconds: observation.seconds)
            if observation.outcome != "delivered" {
                logger.warning(
                    "delivery not accepted",
                    metadata: [
                        "pixel": .string(ConversionsAPIItems.pixelID(inBatchKey: observation.batchKey)),
                        "outcome": .string(observation.outcome), "events": .stringConvertible(observation.events),
                        "reason": .string(observation.reason ?? ""),
                    ]
                )
            }
        }
        return deliverer
    }

    public func run() async throws {
        let signal = self.signal
        let flushInterval = self.flushInterval
        let service = self
        let configured = deliverer()
        let outbox = self.outbox
        // The loop runs on its own thread: claiming and completing records blocks on the embedded outbox's `fsync`,
        // which must not hold one of the cooperative pool's threads (two on a small machine) that serve requests.
        let executor = ThreadExecutor(label: "tagwire.outbox.delivery")
        await withGracefulShutdownHandler {
            await withTaskExecutorPreference(executor) {
                // Woken by this process's commits, and by other runners' enqueues when the outbox can tell (PostgreSQL).
                try? await signal.listening(to: outbox) {
                    while !Task.isShuttingDownGracefully, !Task.isCancelled {
                        let claimed = await service.pass(configured)
                        if claimed == 0 { await signal.wait(timeout: flushInterval) }
                    }
                    // Last pass: what was committed before the server stopped leaves now if it can.
                    _ = await service.pass(configured)
                }
            }
        } onGracefulShutdown: {
            signal.notify()
        }
    }

    /// One drain at the clock's time; returns how many records it claimed (0 on error, after logging it). A circuit
    /// opens when Meta refuses a batch key's setup and closes with the first pass in which Meta accepts it again (its
    /// records wait `circuitPause`, 30 s, between tries); both are logged and counted.
    func pass(_ deliverer: OutboxDeliverer) async -> Int {
        do {
            let report = try await deliverer.drainOnce(now: clock(), limit: batchLimit * 4)
            let change = metrics.recordPass(report)
            for key in change.opened {
                logger.error(
                    "circuit open: the destination's setup failed; its events wait in the outbox",
                    metadata: [
                        "pixel": .string(ConversionsAPIItems.pixelID(inBatchKey: key)), "batch_key": .string(key),
                        "reason": .string(report.circuitReasons[key] ?? ""),
                    ]
                )
            }
            for key in change.closed {
                logger.notice("circuit closed: deliveries resumed", metadata: ["batch_key": .string(key)])
            }
            if report.deadLettered > 0 {
                logger.warning("events dead-lettered", metadata: ["count": .stringConvertible(report.deadLettered)])
            }
            return report.claimed
        } catch {
            logger.error("outbox unavailable", metadata: ["error": .string(String(describing: error))])
            try? await Task.sleep(for: .seconds(1))
            return 0
        }
    }
}
