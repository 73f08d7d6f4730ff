import Foundation
import HeyGen
import Logging

/// The calls the app makes to HeyGen; ``HeyGenClient`` is the real one, tests pass fakes.
public protocol HeyGenService: Sendable {
    func me() async throws -> User
    func createVideo(_ request: CreateVideoRequest, idempotencyKey: String, look: Look?) async throws -> CreateVideoResponse
    func allLooks() async throws -> [Look]
    func look(id: String) async throws -> Look
    func catalogue() async throws -> [Voice]
    /// How many of the account's newest videos are still rendering, or nil when it cannot tell.
    func renderingOnAccount() async throws -> Int?
    /// Speaks a script in a voice (`POST /v3/voices/speech`).
    func speech(_ request: SpeechRequest) async throws -> SpeechResponse
    /// Uploads a checked local file (`POST /v3/assets`).
    func uploadAsset(_ file: AssetFile, progress: @escaping @Sendable (UploadProgress) -> Void) async throws -> UploadedAsset
    /// An asset's metadata (`GET /v3/assets/{asset_id}`); throws `notFound` when the account has no such asset.
    func asset(id: String) async throws -> AssetInfo
    /// Starts an avatar group's consent flow and returns its link (`POST /v3/avatars/{group_id}/consent`).
    func consent(groupID: String) async throws -> ConsentLink
}

extension HeyGenService {
    public func renderingOnAccount() async throws -> Int? { nil }
    public func speech(_ request: SpeechRequest) async throws -> SpeechResponse {
        throw HeyGenError(kind: .configuration, message: "speech is not available here")
    }
    public func uploadAsset(_ file: AssetFile, progress: @escaping @Sendable (UploadProgress) -> Void) async throws -> UploadedAsset {
        throw HeyGenError(kind: .configuration, message: "uploads are not available here")
    }
    public func asset(id: String) async throws -> AssetInfo {
        throw HeyGenError(kind: .configuration, message: "assets are not available here")
    }
    public func consent(groupID: String) async throws -> ConsentLink {
        throw HeyGenError(kind: .configuration, message: "consent links are not available here")
    }
}

extension HeyGenClient: HeyGenService {
    public func allLooks() async throws -> [Look] { try await allLooks(avatarType: .digitalTwin, ownership: .private) }
    public func catalogue() async throws -> [Voice] { try await catalogue(language: nil, gender: nil) }
    /// Videos not yet final among the account's 100 newest (`GET /v3/videos?limit=100`): renders are recent, so a
    /// page covers them, including videos made outside TwinDeck.
    public func renderingOnAccount() async throws -> Int? {
        try await videos(limit: 100).data.filter { !$0.status.isFinal }.count
    }
}

/// Where submissions are written before they are sent (the GRDB store in the app, a fake in tests).
public protocol SubmissionRecorder: Sendable {
    /// Records a submission as "submitting", before anything is sent.
    func recordBeforeSending(request: CreateVideoRequest, key: String, lookName: String?, voiceName: String?,
                             source: Submission.Source) async throws
    func recordSubmitted(key: String, videoID: String, status: VideoStatus) async throws
    /// The server refused it for good (a definite 4xx): it is never re-sent.
    func recordRejected(key: String, error: String) async throws
}

/// The voice catalogue on disk, so the next start paints at once: ``VoiceTable``'s binary form (reading
/// it back is a few copies; the JSON this cache used to be left several MiB of freed memory behind).
public struct VoiceCache: Sendable {
    /// A catalogue older than this is refreshed in the background after it is shown.
    public static let maxAge: TimeInterval = 24 * 3600
    public let url: URL

    public init(url: URL) { self.url = url }

    /// The cached catalogue; nil when there is none or it cannot be read (it is then fetched again).
    public func load() -> (voices: VoiceTable, savedAt: Date)? {
        VoiceTable.read(contentsOf: url.path).map { ($0.table, $0.savedAt) }
    }

    public func save(_ voices: VoiceTable, at date: Date) throws {
        try PrivateFile.write(Data(voices.encoded(savedAt: date)), to: url)
    }
}

/// The effects that need the terminal, run on the thread that owns it (the UI loop's, which runs the
/// ``EffectRunner``); TwinDeckUI implements them over the NCurses screen, tests with fakes.
public protocol TerminalEffects: AnyObject {
    /// Leaves the screen, runs `$VISUAL`/`$EDITOR` on `script`, comes back; returns when the editor has ended.
    func editScript(_ script: String) -> ScriptEditResult
    /// Tells the person something finished (a bell, an OSC 9 notification, or nothing, as configured).
    func notify(_ text: String)
}

/// The one interpreter of ``Effect``s: runs each as a task (or at once) and posts the results as ``Message``s.
/// Effects of one kind replace the one still in flight (a second `r` cancels the first refresh). The
/// terminal-bound ones go to ``TerminalEffects``; without one they are not skipped but answered as unavailable.
public final class EffectRunner: @unchecked Sendable {
    // `tasks` is only touched under `lock`; everything else is immutable.
    private let service: any HeyGenService
    private let cache: VoiceCache?
    private let recorder: (any SubmissionRecorder)?
    private let drafts: DraftStore?
    /// The board's poller and downloader, when a store is open.
    public let board: BoardEngine?
    private let previews: PreviewRenderer?
    private let player: AudioPlayer?
    /// Uploads the form's local files on submit; nil where uploads are not set up (a submit naming a file then says so).
    private let uploader: LocalFileUploader?
    /// Only used from the thread that calls `run` (the UI loop's).
    private let terminal: (any TerminalEffects)?
    private let post: @Sendable (Message) -> Void
    private let copy: @Sendable (String) -> Bool
    private let logger: Logger
    private let lock = NSLock()
    private var tasks: [String: Task<Void, Never>] = [:]

    /// - Parameters:
    ///   - service: the API.
    ///   - cache: where the voice catalogue is kept between runs; nil for none.
    ///   - terminal: the editor and notifications; nil where there is no terminal (they are then reported unavailable).
    ///   - copy: puts text on the clipboard; returns whether it could.
    ///   - post: delivers a result to the UI loop (thread-safe).
    public init(service: any HeyGenService, cache: VoiceCache?, recorder: (any SubmissionRecorder)? = nil,
                drafts: DraftStore? = nil, board: BoardEngine? = nil, previews: PreviewRenderer? = nil, player: AudioPlayer? = nil,
                uploader: LocalFileUploader? = nil, terminal: (any TerminalEffects)? = nil,
                logger: Logger, copy: @escaping @Sendable (String) -> Bool, post: @escaping @Sendable (Message) -> Void) {
        self.terminal = terminal
        self.uploader = uploader
        self.previews = previews
        self.player = player
        self.service = service
        self.cache = cache
        self.recorder = recorder
        self.drafts = drafts
        self.board = board
        self.logger = logger
        self.copy = copy
        self.post = post
    }

    public func run(_ effects: [Effect]) {
        for effect in effects { run(effect) }
    }

    public func run(_ effect: Effect) {
        switch effect {
        case .loadAccount:
            start("account") { [service] in .accountLoaded(await Self.result { try await service.me() }) }
        case .loadAccountRendering:
            start("account-rendering") { [service] in .accountRenderingLoaded(try? await service.renderingOnAccount()) }
        case .loadLooks:
            start("looks") { [service] in .looksLoaded(await Self.result { try await service.allLooks() }) }
        case .loadLookDetail(let id):
            start("look:\(id)") { [service] in .lookDetailLoaded(id: id, await Self.result { try await service.look(id: id) }) }
        case .loadConsent(let lookID, let groupID):
            start("consent:\(lookID)") { [service] in
                .consentLoaded(lookID: lookID, await Self.result { try await service.consent(groupID: groupID) })
            }
        case .loadVoices(let refresh):
            // Off the UI thread: reading a large catalogue and building its search index must not delay a frame.
            start("voices") { [service, cache, logger, post] in
                if !refresh, let cached = cache?.load() {
                    post(.voicesLoaded(.success(VoiceIndex(cached.voices)), source: .cache, fetchedAt: cached.savedAt))
                    Heap.releaseFreeMemory()
                    if Date().timeIntervalSince(cached.savedAt) < VoiceCache.maxAge { return nil }
                }
                let result = await Self.result { VoiceIndex(try await service.catalogue()) }
                if case .success(let index) = result {
                    do { try cache?.save(index.voices, at: Date()) } catch { logger.warning("could not cache voices: \(error)") }
                }
                Heap.releaseFreeMemory()  // the pages of voices decoded and copied into the table
                return .voicesLoaded(result, source: .network, fetchedAt: Date())
            }
        case .copy(let text, let what):
            post(.copied(what: what, ok: copy(text)))
        case .submit(let request, let lookName, let voiceName, let look, let files):
            start("submit") { [service, recorder, logger, board, uploader, post] in
                var request = request
                if !files.isEmpty {
                    guard let uploader else {
                        return .submitted(.failure(HeyGenError(kind: .configuration, message: "uploads are not set up here, so nothing was sent")))
                    }
                    do {
                        let resolved = try await uploader.resolve(request, files: files) { post(.uploadProgressed($0)) }
                        request = resolved.request
                        for note in resolved.notes { logger.notice("upload: \(note)") }
                    } catch {
                        // Nothing was recorded or sent: the form keeps everything, the reason lands on the file's field.
                        return .submitted(await Self.result { throw error })
                    }
                }
                return .submitted(await Self.submit(request, lookName: lookName, voiceName: voiceName, look: look,
                                                    service: service, recorder: recorder, board: board, logger: logger))
            }
        case .checkFiles(let files):
            // Off the UI thread: a path on a slow or hung mount must not stop a frame.
            start("files") { .filesChecked(files.inspect()) }
        case .saveDraft(let draft):
            // On the UI thread, in order: a small file, and the result must not race the next save.
            guard let drafts else { return }
            let result = drafts.save(draft)
            if case .failed(let reason) = result { logger.warning("could not save the draft: \(reason)") }
            post(.draftSaved(draft, result))
        case .loadDraft:
            guard let drafts else { return }
            do {
                if let draft = try drafts.load() { post(.draftLoaded(draft)) }
            } catch {
                logger.warning("could not read the draft: \(error)")
                post(.draftUnreadable(DraftStore.describe(error)))
            }
        case .editScript(let script):
            // Blocks the calling (UI) thread while the editor has the terminal: nothing else may draw meanwhile.
            if let terminal {
                post(.scriptEdited(terminal.editScript(script)))
            } else {
                logger.error("an external edit of the script was asked for, but this session has no terminal")
                post(.scriptEdited(.failed(.unavailable)))
            }
        case .notify(let text):
            if let terminal {
                terminal.notify(text)
            } else {
                logger.error("a notification (\(text)) was asked for, but this session has no terminal")
                post(.boardActionFailed("Could not notify (no terminal here): \(text)"))
            }
        case .pollNow: board?.pollNow()
        case .refreshVideo(let id): board?.refresh(videoID: id)
        case .download(let key): board?.download(key: key)
        case .removeSubmission(let key): board?.remove(key: key)
        case .loadPreview(let id, let url, let width, let height):
            start("preview:\(id)") { [previews] in
                let phase = await previews?.render(lookID: id, url: url, width: width, height: height)
                    ?? .unavailable("Pictures are off in this session.")
                return .previewLoaded(lookID: id, width: width, height: height, phase)
            }
        case .audition(let voiceID, let url):
            guard let player else {
                post(.auditionChanged(voiceID: voiceID, .link(reason: "Playing is off in this session: open the link instead")))
                return
            }
            start("audition") { [post] in
                await player.play(url) { phase in post(.auditionChanged(voiceID: voiceID, phase)) }
                return nil
            }
        case .stopAudition:
            player?.stop()
        case .speak(let request):
            start("speech") { [service] in .speechLoaded(request, await Self.result { try await service.speech(request) }) }
        }
    }

    /// The compose form's submit: a fresh Idempotency-Key through the one ``SubmitPipeline``.
    static func submit(
        _ request: CreateVideoRequest, lookName: String?, voiceName: String?, look: Look?, service: any HeyGenService,
        recorder: (any SubmissionRecorder)?, board: BoardEngine? = nil, logger: Logger
    ) async -> Result<SubmitOutcome, HeyGenError> {
        guard let recorder else {
            return .failure(HeyGenError(kind: .configuration, message: "no history is open here, so nothing was sent"))
        }
        let key = IdempotencyKey.make()
        // While this process waits for the answer, the board must not take the row for a lost one.
        board?.sending(key, true)
        defer { board?.sending(key, false) }
        let pipeline = SubmitPipeline(service: service, recorder: recorder)
        do {
            try await pipeline.record(request, key: key, lookName: lookName, voiceName: voiceName, source: .form)
        } catch {
            // Nothing is sent unless it was recorded first.
            return .failure(HeyGenError(kind: .configuration, message: "could not record the submission locally, so it was not sent: \(error)"))
        }
        do {
            switch try await pipeline.send(request, key: key, look: look) {
            case .created(let response):
                return .success(.created(response, key: key))
            case .unrecorded(let response, let error):
                logger.error("video \(response.videoID) was created but could not be recorded: \(error)")
                return .success(.createdUnrecorded(response, key: key, reason: String(describing: error)))
            case .pending(let error):
                logger.warning("submission \(key) outcome unknown: \(error.shortDescription)")
                return .success(.uncertain(key: key, reason: error.shortDescription))
            case .rejected(let error):
                return .failure(error)
            }
        } catch {
            // Cancelled (quitting) or the refusal could not be recorded: the row stays `submitting`, re-sent with its key.
            return .success(.uncertain(key: key, reason: String(describing: error)))
        }
    }

    /// Cancels everything in flight (on quit).
    public func cancelAll() {
        lock.withLock {
            tasks.values.forEach { $0.cancel() }
            tasks.removeAll()
        }
    }

    private func start(_ key: String, _ work: @escaping @Sendable () async -> Message?) {
        let post = self.post
        let task = Task {
            guard let message = await work(), !Task.isCancelled else { return }
            post(message)
        }
        lock.withLock {
            tasks[key]?.cancel()
            tasks[key] = task
        }
    }

    static func result<T>(_ body: () async throws -> T) async -> Result<T, HeyGenError> {
        do {
            return .success(try await body())
        } catch let error as HeyGenError {
            return .failure(error)
        } catch is CancellationError {
            return .failure(HeyGenError(kind: .transport, message: "cancelled"))
        } catch {
            return .failure(HeyGenError(kind: .transport, message: String(describing: error)))
        }
    }
}
