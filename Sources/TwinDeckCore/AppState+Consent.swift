import Foundation
import HeyGen

extension AppState {
    /// `c` in the Looks pane: the selected look's consent link, fetched on request (each request starts the consent
    /// flow of the look's avatar group, so it is not fetched ahead). A link already fetched is shown again.
    mutating func askForConsentLink() -> [Effect] {
        guard pane == .looks, let summary = looks.selected else { return [] }
        let look = looks.details[summary.id] ?? summary
        guard look.status == .pendingConsent else {
            showToast("“\(Sanitizer.inert(look.name, limit: 60))” is not waiting for consent (\(look.status?.rawValue ?? "public"))", level: .error)
            return []
        }
        mode = .consent(lookID: look.id)
        if case .ready? = looks.consent[look.id] { return [] }
        guard let group = look.groupID.map({ PlainText.trimmed($0) }), !group.isEmpty else {
            looks.consent[look.id] = .failed("HeyGen lists this look without an avatar group, so there is no consent link to ask for. "
                                             + "Finish consent in the HeyGen web app (Avatars), then press r to refresh.")
            return []
        }
        looks.consent[look.id] = .loading
        return [.loadConsent(lookID: look.id, groupID: group)]
    }

    mutating func consentLoaded(lookID: String, _ result: Result<ConsentLink, HeyGenError>) -> [Effect] {
        switch result {
        case .success(let link):
            if let url = link.url, !url.isEmpty, VideoRules.isURL(url, schemes: ["https", "http"]) {
                looks.consent[lookID] = .ready(url: url)
            } else {
                looks.consent[lookID] = .failed("HeyGen started the consent flow but sent no link (a consent video may have been submitted instead).")
            }
        case .failure(let error):
            let hint = error.kind == .notFound ? " The look's avatar group is not on this account; press r to refresh the looks." : " Press c to try again."
            looks.consent[lookID] = .failed("Could not get the consent link: \(error.description).\(hint)")
        }
        return []
    }

    mutating func handleConsentKey(lookID: String, _ key: KeyPress) -> [Effect] {
        switch KeyMap.action(for: key, in: [.consent]) {
        case .copyURL:
            if case .ready(let url)? = looks.consent[lookID] { return [.copy(url, what: "consent link")] }
            return []
        case .back:
            mode = .normal
            // A failed attempt is forgotten, so `c` asks again.
            if case .failed? = looks.consent[lookID] { looks.consent[lookID] = nil }
            return []
        default:
            return []
        }
    }

    /// Notes when this session first saw each look `processing`; a look that is no longer processing is forgotten.
    mutating func noteProcessingLooks() {
        var seen: [String: Date] = [:]
        for look in looks.all where look.status == .processing { seen[look.id] = looks.processingSince[look.id] ?? now }
        looks.processingSince = seen
    }
}
