import HTTPTypes
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// The parts Hummingbird's HTTP/1 child channel carries between its codec and the responder
/// (`HTTPRequestPart` / `HTTPResponsePart`, named through Hummingbird's own handler so no other package is needed).
typealias RequestPart = HTTPConnectionStateHandler.InboundIn
typealias ResponsePart = HTTPConnectionStateHandler.OutboundIn

/// Every open connection of one receiver, with how long each has been idle. It keeps the receiver under its
/// connection cap (itself kept under the process's file-descriptor limit): when a new connection would pass the
/// cap, the connection idle the longest is closed to make room, so a flood of idle or half-sent connections
/// cannot lock a real delivery out. A connection whose request has been read and is being answered is never
/// evicted; when every one is, the new connection is refused (closed).
final class ConnectionTable: Sendable {
    struct Entry {
        var channel: any Channel
        var lastActive: NIODeadline
        /// A request has been read in full and its response is not finished.
        var busy: Bool
    }

    enum Admission {
        case admitted(evicting: (any Channel)?)
        case refused
    }

    let limit: Int
    private let entries = NIOLockedValueBox<[ObjectIdentifier: Entry]>([:])

    init(limit: Int) { self.limit = max(1, limit) }

    var count: Int { entries.withLockedValue { $0.count } }

    func admit(_ id: ObjectIdentifier, channel: any Channel, now: NIODeadline = .now()) -> Admission {
        entries.withLockedValue { entries in
            var evicted: (any Channel)?
            if entries.count >= limit {
                let idlest = entries.filter { !$0.value.busy }.min { $0.value.lastActive < $1.value.lastActive }
                guard let idlest else { return .refused }
                evicted = entries.removeValue(forKey: idlest.key)?.channel
            }
            entries[id] = Entry(channel: channel, lastActive: now, busy: false)
            return .admitted(evicting: evicted)
        }
    }

    /// Something was read or written on the connection; `busy` says whether a response is now owed.
    func touch(_ id: ObjectIdentifier, busy: Bool? = nil, now: NIODeadline = .now()) {
        entries.withLockedValue { entries in
            entries[id]?.lastActive = now
            if let busy { entries[id]?.busy = busy }
        }
    }

    func remove(_ id: ObjectIdentifier) {
        _ = entries.withLockedValue { $0.removeValue(forKey: id) }
    }
}

/// One per connection, in the child channel's pipeline after the HTTP codec:
///
/// - registers the connection in the ``ConnectionTable`` (which may evict the longest-idle other one);
/// - closes the connection when its request head has not arrived `headerTimeout` after it opened (a slowloris
///   sending half a header and then nothing); later requests on a kept-alive connection are bounded by
///   Hummingbird's idle timeout;
/// - answers 431 when the decoder finds the request headers over its limit, then closes the connection
///   (output first, so the answer is read before the socket goes).
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = RequestPart
    typealias InboundOut = RequestPart
    typealias OutboundIn = ResponsePart
    typealias OutboundOut = ResponsePart

    private let table: ConnectionTable
    private let headerTimeout: TimeAmount
    private let maxHeaderBytes: Int
    private let logger: Logger
    private var headerTimer: Scheduled<Void>?
    private var started = false
    private var headSeen = false
    private var refused = false

    init(table: ConnectionTable, headerTimeout: TimeAmount, maxHeaderBytes: Int, logger: Logger) {
        self.table = table
        self.headerTimeout = headerTimeout
        self.maxHeaderBytes = maxHeaderBytes
        self.logger = logger
    }

    private var id: ObjectIdentifier { ObjectIdentifier(self) }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { finish() }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        switch table.admit(id, channel: context.channel) {
        case .admitted(let evicted):
            if let evicted {
                logger.debug("webhook receiver: \(table.limit) connections open, closing the longest idle one")
                evicted.close(promise: nil)
            }
        case .refused:
            logger.info("webhook receiver: \(table.limit) connections open and all answering, refusing a new one")
            context.close(promise: nil)
            return
        }
        headerTimer = context.eventLoop.assumeIsolated().scheduleTask(in: headerTimeout) { [self] in
            headerTimer = nil
            guard !headSeen else { return }
            // Debug, not info: a slowloris flood would otherwise write a line per connection.
            if !refused { logger.debug("webhook receiver: no request head within \(headerTimeout.nanoseconds / 1_000_000) ms, closing") }
            context.close(promise: nil)
        }
    }

    private func finish() {
        headerTimer?.cancel()
        headerTimer = nil
        table.remove(id)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            headSeen = true
            headerTimer?.cancel()
            headerTimer = nil
            table.touch(id, busy: false)
        case .body:
            table.touch(id)
        case .end:
            table.touch(id, busy: true)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { table.touch(id, busy: false) }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if refused { return }  // the decoder repeats itself for every later read; the 431 is already on its way
        if !headSeen, case .headerOverflow? = error as? HTTPParserError {
            refuseOversizedHead(context)
            return
        }
        context.fireErrorCaught(error)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if refused, case .inputClosed? = event as? ChannelEvent {
            context.close(promise: nil)  // the client has read the 431 and hung up
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func refuseOversizedHead(_ context: ChannelHandlerContext) {
        refused = true
        logger.info("webhook refused (431): request headers over \(maxHeaderBytes) bytes")
        let body = ByteBuffer(string: #"{"error":"request headers over \#(maxHeaderBytes) bytes"}"#)
        let head = HTTPResponse(
            status: .init(code: 431, reasonPhrase: "Request Header Fields Too Large"),
            headerFields: [.contentType: "application/json", .contentLength: String(body.readableBytes), .connection: "close"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        // Output closed first: the client reads the answer and an end of stream, not a reset. The header
        // timer (still armed: no head was read) closes the rest if the client never hangs up.
        written.futureResult.assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
        }
    }
}
