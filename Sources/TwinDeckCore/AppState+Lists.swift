import Foundation
import HeyGen

/// A choice in the language picker: a language with its count, or all of them (`name == nil`).
public struct LanguageOption: Equatable, Sendable {
    public var name: String?
    public var count: Int
    public var label: String { name ?? "All languages" }
}

extension AppState {
    /// How long the selection rests on a look before its detail is fetched (avoids a request per row while scrolling).
    static let detailDelay: TimeInterval = 0.25

    public var layout: Layout { Layout(width: width, height: height) }

    mutating func showToast(_ text: String, level: Toast.Level, seconds: TimeInterval = 4) {
        toast = Toast(text: text, level: level, until: now.addingTimeInterval(seconds))
    }

    mutating func switchPane(to pane: Pane) {
        self.pane = pane
        mode = .normal
    }

    var currentFilter: String {
        switch pane {
        case .looks: looks.filter
        case .voices: voices.filter
        case .board: board.filter
        case .compose: ""
        }
    }

    mutating func setFilter(_ text: String) {
        switch pane {
        case .looks:
            looks.filter = text
            refilterLooks()
        case .voices:
            voices.filter = text
            refilterVoices()
        case .board:
            board.filter = text
            keepBoardSelection()
            clampBoardScroll()
        case .compose: break
        }
    }

    // MARK: - Filtering (selection kept by id)

    mutating func refilterLooks() {
        let needle = PlainText.trimmed(looks.filter)
        looks.visible = looks.all.indices.filter { i in
            guard !needle.isEmpty else { return true }
            let look = looks.all[i]
            let text = ([look.name, look.id, look.status?.rawValue ?? ""] + (look.tags ?? [])).joined(separator: " ")
            return text.range(of: needle, options: [.caseInsensitive, .diacriticInsensitive]) != nil
        }
        let ids = looks.visible.map { looks.all[$0].id }
        looks.selectedID = Self.keepSelection(looks.selectedID, in: ids)
        clampScrolls()
        if let id = looks.selectedID { looks.detailWanted = (id, now) }
    }

    mutating func refilterVoices() {
        let query = voices.filter
        var within: [Int]?
        if let last = voices.lastQuery, last.language == voices.language, last.gender == voices.gender,
            !PlainText.trimmed(last.query).isEmpty,
            query.hasPrefix(last.query)
        {
            within = voices.visible  // the query only grew: narrow the last result
        }
        voices.visible = voices.index.filter(query: query, language: voices.language, gender: voices.gender, within: within)
        voices.lastQuery = (query, voices.language, voices.gender)
        // Kept when still listed (binary search: `visible` is in catalogue order), else the first row.
        if let id = voices.selectedID, let position = voices.index.position(of: id), Self.row(of: position, in: voices.visible) != nil {
            // unchanged
        } else {
            voices.selectedID = voices.visible.first.map { voices.index.voices.voiceID(at: $0) }
        }
        clampScrolls()
    }

    /// The same id when it is still listed, else the first listed.
    static func keepSelection(_ id: String?, in ids: some Collection<String>) -> String? {
        if let id, ids.contains(id) { return id }
        return ids.first
    }

    // MARK: - Selection and scrolling

    var selectedRow: Int? {
        switch pane {
        case .looks:
            guard let id = looks.selectedID else { return nil }
            return looks.visible.firstIndex { looks.all[$0].id == id }
        case .voices:
            guard let id = voices.selectedID, let position = voices.index.position(of: id) else { return nil }
            return Self.row(of: position, in: voices.visible)
        case .compose, .board:
            return nil
        }
    }

    /// Row of `position` in a sorted list of positions (binary search: the voice list can be long).
    static func row(of position: Int, in sorted: [Int]) -> Int? {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < position { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && sorted[low] == position ? low : nil
    }

    var rowCount: Int {
        switch pane {
        case .looks: looks.visible.count
        case .voices: voices.visible.count
        case .compose, .board: 0
        }
    }

    mutating func moveSelection(by delta: Int) {
        let current = selectedRow ?? 0
        moveSelection(toIndex: max(0, current + delta))
    }

    mutating func moveSelection(toIndex row: Int) {
        let count = rowCount
        guard count > 0 else { return }
        let target = min(max(0, row), count - 1)
        switch pane {
        case .looks:
            looks.selectedID = looks.all[looks.visible[target]].id
            looks.detailWanted = (looks.selectedID!, now)
        case .voices:
            voices.selectedID = voices.index.voices.voiceID(at: voices.visible[target])
        case .compose, .board:
            break
        }
        clampScrolls()
    }

    /// Keeps each pane's selection inside its visible rows.
    mutating func clampScrolls() {
        // A terminal too small to draw the list leaves the scroll where it was, for when it grows again.
        guard !isTooSmall else { return }
        let rows = max(1, layout.list.height)
        func clamp(_ scroll: inout Int, selected: Int?, count: Int) {
            if let selected {
                if selected < scroll { scroll = selected }
                if selected >= scroll + rows { scroll = selected - rows + 1 }
            }
            scroll = max(0, min(scroll, max(0, count - rows)))
        }
        let savedPane = pane
        pane = .looks
        let looksRow = selectedRow
        pane = .voices
        let voicesRow = selectedRow
        pane = savedPane
        clamp(&looks.scroll, selected: looksRow, count: looks.visible.count)
        clamp(&voices.scroll, selected: voicesRow, count: voices.visible.count)
    }

    // MARK: - Look detail

    mutating func requestLookDetail(_ id: String) -> [Effect] {
        guard !looks.detailLoading.contains(id) else { return [] }
        looks.detailLoading.insert(id)
        return [.loadLookDetail(id: id)]
    }

    /// Fetches the selected look's detail once the selection has rested.
    mutating func lookDetailDue() -> [Effect] {
        guard let wanted = looks.detailWanted, now.timeIntervalSince(wanted.since) >= Self.detailDelay else { return [] }
        looks.detailWanted = nil
        guard looks.details[wanted.id] == nil, looks.detailErrors[wanted.id] == nil else { return [] }
        return requestLookDetail(wanted.id)
    }

    // MARK: - Language picker

    /// "All languages" then each language matching `query`, most voices first.
    public func languageOptions(matching query: String) -> [LanguageOption] {
        let all = [LanguageOption(name: nil, count: voices.index.count)]
            + voices.index.languages.map { LanguageOption(name: $0.name, count: $0.count) }
        let needle = PlainText.trimmed(query)
        guard !needle.isEmpty else { return all }
        return all.filter { $0.label.range(of: needle, options: [.caseInsensitive, .diacriticInsensitive]) != nil }
    }
}
