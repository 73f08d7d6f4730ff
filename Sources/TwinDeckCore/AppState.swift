import Foundation
import HeyGen

/// The panes in the tab bar, in order.
public enum Pane: Int, CaseIterable, Sendable, Hashable {
    case looks, voices, compose, board

    public var title: String {
        switch self {
        case .looks: "Looks"
        case .voices: "Voices"
        case .compose: "Compose"
        case .board: "Board"
        }
    }

    /// Whether the pane is a list (Looks, Voices).
    public var isList: Bool { self == .looks || self == .voices }
}

/// Where a remote list stands.
public enum LoadState: Equatable, Sendable {
    case idle
    case loading
    case loaded(at: Date)
    case failed(HeyGenError)

    public var isLoading: Bool { self == .loading }
}

/// A short message shown in the footer for a few seconds.
public struct Toast: Equatable, Sendable {
    public enum Level: Sendable { case info, error }
    public var text: String
    public var level: Level
    public var until: Date
}

/// A picker over the voice languages (`L` in the Voices pane).
public struct LanguagePicker: Equatable, Sendable {
    public var query = ""
    public var selected = 0
}

/// What has the keyboard besides the panes.
public enum Mode: Equatable, Sendable {
    case normal
    /// Typing into the current pane's filter.
    case filtering
    case help
    case languagePicker(LanguagePicker)
    /// Listening to a voice's preview (`a` in the Voices pane).
    case audition(Audition)
    /// A look's consent link being fetched or shown (`c` in the Looks pane).
    case consent(lookID: String)
}

/// Where a look's consent link stands (`POST /v3/avatars/{group_id}/consent`).
public enum ConsentPhase: Equatable, Sendable {
    case loading
    /// The page where the person in the avatar gives consent.
    case ready(url: String)
    /// Why there is no link (no avatar group, the call failed, the answer had none).
    case failed(String)
}

/// A voice preview being played, or offered as a link when it cannot be played here.
public struct Audition: Equatable, Sendable {
    public var voiceID: String
    public var voiceName: String
    public var url: String
    public var phase: AuditionPhase
    public init(voiceID: String, voiceName: String, url: String, phase: AuditionPhase = .starting) {
        self.voiceID = voiceID
        self.voiceName = voiceName
        self.url = url
        self.phase = phase
    }
}

public enum AuditionPhase: Equatable, Sendable {
    case starting
    /// A local player is playing it.
    case playing(player: String)
    /// It cannot play here (over SSH, or no player): the URL is offered instead, with the reason.
    case link(reason: String)
    case failed(String)
}

/// A look's preview picture, drawn for one panel size.
public struct LookPreview: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var phase: PreviewPhase
    public init(width: Int, height: Int, phase: PreviewPhase) {
        self.width = width
        self.height = height
        self.phase = phase
    }
}

public enum PreviewPhase: Equatable, Sendable {
    case loading
    case ready(Picture)
    /// The picture cannot be drawn here (no `chafa`): the reason says how to get it.
    case unavailable(String)
    case failed(String)
}

/// The Looks pane.
public struct LooksState: Equatable, Sendable {
    public var load: LoadState = .idle
    public var all: [Look] = []
    public var filter = ""
    public var visible: [Int] = []
    public var selectedID: String?
    public var scroll = 0
    /// Full looks from `GET /v3/avatars/looks/{id}`, by id.
    public var details: [String: Look] = [:]
    public var detailErrors: [String: HeyGenError] = [:]
    public var detailLoading: Set<String> = []
    /// The look the selection rests on and since when; its detail is fetched once it has rested a moment.
    public var detailWanted: (id: String, since: Date)?
    /// Whether the detail panel shows the look's picture (`p`).
    public var showPreview = false
    /// Pictures drawn so far, by look id.
    public var previews: [String: LookPreview] = [:]
    /// Consent links asked for, by look id.
    public var consent: [String: ConsentPhase] = [:]
    /// When this session first saw each look `processing` (the API gives a look no timestamp).
    public var processingSince: [String: Date] = [:]

    public static func == (a: LooksState, b: LooksState) -> Bool {
        a.load == b.load && a.all == b.all && a.filter == b.filter && a.visible == b.visible && a.selectedID == b.selectedID
            && a.scroll == b.scroll && a.details == b.details && a.detailErrors == b.detailErrors
            && a.detailLoading == b.detailLoading && a.detailWanted?.id == b.detailWanted?.id
            && a.showPreview == b.showPreview && a.previews == b.previews && a.consent == b.consent
            && a.processingSince == b.processingSince
    }

    public var selected: Look? { selectedID.flatMap { id in all.first { $0.id == id } } }
}

/// The Voices pane.
public struct VoicesState: Equatable, Sendable {
    public var load: LoadState = .idle
    public var index = VoiceIndex.empty
    public var filter = ""
    public var language: String?
    public var gender: Gender?
    public var visible: [Int] = []
    public var selectedID: String?
    public var scroll = 0
    /// When the catalogue shown was fetched (from the disk cache or the network).
    public var fetchedAt: Date?
    public var fromCache = false
    /// The last filter run, to narrow the next one incrementally.
    var lastQuery: (query: String, language: String?, gender: Gender?)?

    public static func == (a: VoicesState, b: VoicesState) -> Bool {
        a.load == b.load && a.index.count == b.index.count && a.filter == b.filter && a.language == b.language
            && a.gender == b.gender && a.visible == b.visible && a.selectedID == b.selectedID && a.scroll == b.scroll
            && a.fetchedAt == b.fetchedAt && a.fromCache == b.fromCache
    }

    public var selected: Voice? { selectedID.flatMap { index.voice(id: $0) } }
}

/// The account line in the header.
public struct AccountState: Equatable, Sendable {
    public var user: User?
    public var error: HeyGenError?
    /// Videos rendering on the whole account, counted when the submit dialog opens; nil until then or when unknown.
    public var rendering: Int?
    public init(user: User? = nil, error: HeyGenError? = nil, rendering: Int? = nil) {
        self.user = user
        self.error = error
        self.rendering = rendering
    }
}

/// The draft on disk against the form: `update` decides from ticks alone when a save is due (no timers).
public struct DraftSync: Equatable, Sendable {
    /// A save is due once the form has been still this long after a change…
    public static let quiet: TimeInterval = 1
    /// …or has differed from what was saved this long, even while typing goes on.
    public static let maxDelay: TimeInterval = 2
    /// The draft last handed to the store or loaded from it: no save is due while the form holds it.
    public var written = ComposeDraft()
    /// Why the last save failed; shown in Compose until a save succeeds. Retried on the next change, and on quit.
    public var failure: String?
    /// Where this instance keeps its draft since another one changed the shared file (nil: the usual file).
    public var keptAt: String?
    /// The form as the last tick saw it, and the tick that first saw it so.
    var seen = ComposeDraft()
    var changedAt: Date?
    /// The first tick that saw the form differ from `written`.
    var unsavedSince: Date?

    public init() {}
}

/// Everything the app shows; views are pure functions of it.
public struct AppState: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var pane: Pane = .looks
    public var mode: Mode = .normal
    public var looks = LooksState()
    public var voices = VoicesState()
    public var compose = ComposeState()
    /// Kept apart from `compose`, which a clear or a re-compose replaces whole.
    public var draftSync = DraftSync()
    public var board = BoardState()
    public var account = AccountState()
    /// The compose script's speech, by what was spoken (`a` in Compose).
    public var speech = SpeechPreviews()
    public var baseURL: String
    public var isDemo: Bool
    public var colors: Bool
    /// Why `y` cannot reach the clipboard here (tmux with `set-clipboard off`), said when a copy is asked for.
    public var clipboardProblem: String?
    public var toast: Toast?
    public var now: Date
    public var shouldQuit = false

    public init(width: Int, height: Int, baseURL: String, isDemo: Bool, colors: Bool = true, now: Date = Date()) {
        self.width = width
        self.height = height
        self.baseURL = baseURL
        self.isDemo = isDemo
        self.colors = colors
        self.now = now
    }

    /// The smallest terminal the app draws into; below it, it says so instead.
    public static let minimumSize = (width: 60, height: 16)

    public var isTooSmall: Bool { width < Self.minimumSize.width || height < Self.minimumSize.height }

    /// The scopes whose keys work now, most specific first.
    public var scopes: [Scope] {
        switch mode {
        case .filtering: [.filtering]
        case .languagePicker: [.picker]
        case .audition: [.audition]
        case .consent: [.consent]
        case .help: [.global]
        case .normal:
            switch pane {
            case .looks: [.looks, .list, .global]
            case .voices: [.voices, .list, .global]
            case .compose:
                if compose.previewing { [.preview] }
                else if compose.confirmingClear || compose.submit == .confirming { [.confirm] }
                else if compose.editing { [.editing] }
                else { [.compose, .global] }
            case .board:
                board.confirmingRemove != nil ? [.confirm] : [.board, .list, .global]
            }
        }
    }
}

/// A rectangle in cells; the views and `update` share one layout so scrolling agrees with drawing.
public struct Box: Equatable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }
}

/// Where things go on screen, as a function of the terminal size.
public struct Layout: Equatable, Sendable {
    public var header: Box
    public var tabs: Box
    public var footer: Box
    /// The filter/status line above a list.
    public var listStatus: Box
    /// The list's column headings.
    public var listHeader: Box
    /// The list rows.
    public var list: Box
    /// The detail panel (right of the list when wide, below it otherwise).
    public var detail: Box
    public var detailBeside: Bool

    /// Where a look's picture goes: the detail panel below its name line.
    public var preview: Box {
        Box(x: detail.x + 2, y: detail.y + 3, width: detail.width - 4, height: detail.height - 5)
    }

    public init(width: Int, height: Int) {
        header = Box(x: 0, y: 0, width: width, height: 1)
        tabs = Box(x: 0, y: 1, width: width, height: 1)
        footer = Box(x: 0, y: height - 1, width: width, height: 1)
        let bodyTop = 2, bodyHeight = max(0, height - 3)
        detailBeside = width >= 100
        let listWidth = detailBeside ? width * 3 / 5 : width
        let detailRows = detailBeside ? 0 : min(10, max(5, bodyHeight * 2 / 5))
        listStatus = Box(x: 0, y: bodyTop, width: listWidth, height: 1)
        listHeader = Box(x: 0, y: bodyTop + 1, width: listWidth, height: 1)
        let listRows = max(0, bodyHeight - 2 - (detailBeside ? 0 : detailRows + 1))
        list = Box(x: 0, y: bodyTop + 2, width: listWidth, height: listRows)
        detail = detailBeside
            ? Box(x: listWidth + 1, y: bodyTop, width: width - listWidth - 1, height: bodyHeight)
            : Box(x: 0, y: bodyTop + 2 + listRows + 1, width: width, height: detailRows)
    }
}
