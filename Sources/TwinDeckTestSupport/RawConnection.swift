import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain TCP connection to a loopback port, for tests that talk to a server below HTTP: connections left idle,
/// requests sent by halves, oversized heads. Reads never block: they take what has arrived, and waiting is for an
/// observable condition (the server closing) with a deadline.
public final class RawConnection {
    public struct Failure: Error, CustomStringConvertible {
        public var operation: String
        public var code: Int32
        public var description: String { "\(operation): \(String(cString: strerror(code)))" }
    }

    private var fd: Int32
    /// Everything the server has sent so far.
    public private(set) var received = Data()
    /// The server closed the connection (end of stream or reset).
    public private(set) var isClosed = false

    /// Connects to `127.0.0.1:port`.
    public init(port: Int) throws {
        #if canImport(Glibc)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(operation: "socket", code: errno) }
        #if canImport(Darwin)
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(clamping: port)).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            systemClose(fd)
            throw Failure(operation: "connect", code: code)
        }
    }

    deinit { close() }

    /// Sends all of `text` (UTF-8).
    public func send(_ text: String) throws { try send(Data(text.utf8)) }

    /// Sends all of `data`.
    public func send(_ data: Data) throws {
        #if canImport(Glibc)
        let flags = Int32(MSG_NOSIGNAL)
        #else
        let flags: Int32 = 0
        #endif
        var offset = 0
        while offset < data.count {
            let sent = data.withUnsafeBytes { bytes in
                systemSend(fd, bytes.baseAddress.map { $0 + offset }, data.count - offset, flags)
            }
            guard sent > 0 else { throw Failure(operation: "send", code: errno) }
            offset += sent
        }
    }

    /// Takes what the server has sent, without waiting; returns whether the server has closed the connection.
    @discardableResult
    public func poll() -> Bool {
        guard fd >= 0, !isClosed else { return isClosed }
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 {
                received.append(contentsOf: buffer[0..<count])
            } else if count == 0 {
                isClosed = true
                return true
            } else if errno == EINTR {
                continue
            } else {
                if errno != EAGAIN && errno != EWOULDBLOCK { isClosed = true }  // a reset is a close too
                return isClosed
            }
        }
    }

    /// Waits until the server closes the connection, polling every 10 ms, at most `timeout`; returns whether it closed.
    public func waitForClose(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !poll() {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// The server's answer so far, as text.
    public var text: String { String(decoding: received, as: UTF8.self) }

    /// Closes this end.
    public func close() {
        guard fd >= 0 else { return }
        systemClose(fd)
        fd = -1
    }
}

#if canImport(Glibc)
private func systemClose(_ fd: Int32) { _ = Glibc.close(fd) }
private func systemSend(_ fd: Int32, _ bytes: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int { Glibc.send(fd, bytes, count, flags) }
#else
private func systemClose(_ fd: Int32) { _ = Darwin.close(fd) }
private func systemSend(_ fd: Int32, _ bytes: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int { Darwin.send(fd, bytes, count, flags) }
#endif
