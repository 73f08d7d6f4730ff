import Foundation
import HeyGen
import Testing

private func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
    try JSONDecoder().decode(type, from: Data(json.utf8))
}

@Suite("Model decoding")
struct ModelDecodingTests {
    // MARK: - Open enums

    @Test func openEnumsKeepUnknownValues() throws {
        let look = try decode(Look.self, #"""
            {"id": "lk", "name": "n", "avatar_type": "hologram", "gender": "nonbinary",
             "supported_api_engines": ["avatar_vi", "avatar_v"], "preferred_orientation": "diagonal",
             "status": "archived"}
            """#)
        #expect(look.avatarType.rawValue == "hologram")
        #expect(!look.avatarType.isKnown)
        #expect(look.gender?.rawValue == "nonbinary")
        #expect(look.supportedAPIEngines?.map(\.rawValue) == ["avatar_vi", "avatar_v"])
        #expect(look.supports(.avatarV))
        #expect(!look.supports(.avatarIV))
        #expect(look.preferredOrientation?.rawValue == "diagonal")
        #expect(look.status?.rawValue == "archived")

        let voice = try decode(Voice.self, #"{"voice_id": "v", "name": "n", "language": "L", "gender": "unknown", "type": "shared"}"#)
        #expect(voice.gender.rawValue == "unknown" && !voice.gender.isKnown)
        #expect(voice.type.rawValue == "shared" && !voice.type.isKnown)

        let event = try decode(WebhookEvent.self, #"{"event_type": "avatar_video.queued", "event_data": {"video_id": "v1"}}"#)
        #expect(event.eventType.rawValue == "avatar_video.queued")
    }

    @Test(arguments: ["avatar_iv", "avatar_v", "avatar_iii", "avatar_vii", "", "<string>", "Ünïcödé"])
    func engineRoundTripsAnyWord(_ word: String) throws {
        let engine = try decode([Engine].self, "[\"\(word)\"]")
        #expect(engine == [Engine(rawValue: word)])
        #expect(engine.first?.isKnown == Engine.known.map(\.rawValue).contains(word))
        let encoded = try JSONEncoder().encode(engine)
        #expect(try JSONDecoder().decode([String].self, from: encoded) == [word])
        #expect(engine.first?.description == word)
    }

    @Test func openEnumRejectsNonStrings() {
        #expect(throws: DecodingError.self) { try decode([VideoStatus].self, "[42]") }
        #expect(throws: DecodingError.self) { try decode(Look.self, #"{"id": "lk", "avatar_type": {"x": 1}}"#) }
    }

    @Test func engineDisplayNames() {
        #expect(Engine.avatarIV.displayName == "Avatar IV")
        #expect(Engine.avatarV.displayName == "Avatar V")
        #expect(Engine(rawValue: "avatar_x").displayName == "avatar_x")
        #expect(Resolution.knownList == "4k, 1080p, 720p")
    }

    // MARK: - Optionals, unknown fields

    @Test func nullAndMissingOptionalsDecodeTheSame() throws {
        let withNulls = try decode(Video.self, #"""
            {"id": "v", "status": "processing", "title": null, "created_at": null, "completed_at": null,
             "duration": null, "video_url": null, "captioned_video_url": null, "thumbnail_url": null,
             "gif_url": null, "subtitle_url": null, "video_page_url": null, "folder_id": null,
             "output_language": null, "failure_code": null, "failure_message": null}
            """#)
        let missing = try decode(Video.self, #"{"id": "v", "status": "processing"}"#)
        #expect(withNulls == missing)
        #expect(missing.title == nil && missing.createdAt == nil && missing.videoURL == nil)

        let lookNulls = try decode(Look.self, #"""
            {"id": "lk", "name": "n", "avatar_type": "digital_twin", "group_id": null, "gender": null,
             "preview_image_url": null, "preview_video_url": null, "default_voice_id": null, "tags": null,
             "supported_api_engines": null, "image_width": null, "image_height": null,
             "preferred_orientation": null, "status": null, "error": null}
            """#)
        let lookMissing = try decode(Look.self, #"{"id": "lk", "name": "n", "avatar_type": "digital_twin"}"#)
        #expect(lookNulls == lookMissing)
        #expect(lookMissing.supportedAPIEngines == nil && lookMissing.status == nil)

        let voiceNulls = try decode(Voice.self, #"{"voice_id": "v", "name": "n", "language": "English", "gender": "male", "type": null, "support_pause": null, "support_locale": null, "preview_audio_url": null}"#)
        let voiceMissing = try decode(Voice.self, #"{"voice_id": "v", "name": "n", "language": "English", "gender": "male"}"#)
        #expect(voiceNulls == voiceMissing)
        #expect(voiceMissing.type == .public && !voiceMissing.supportPause)

        let pageNull = try decode(Page<Voice>.self, #"{"data": [], "has_more": null, "next_token": null}"#)
        #expect(!pageNull.hasMore && pageNull.nextToken == nil)
    }

    @Test func unknownFieldsAreIgnored() throws {
        let video = try decode(Video.self, #"""
            {"id": "v", "status": "completed", "brand_new_field": {"nested": [1, 2, 3]}, "another": true,
             "video_url": "https://x.test/v.mp4"}
            """#)
        #expect(video.id == "v" && video.status == .completed && video.videoURL == "https://x.test/v.mp4")

        let page = try decode(Page<Look>.self, #"{"data": [{"id": "a", "name": "A", "avatar_type": "digital_twin", "extra": 1}], "has_more": false, "next_token": null, "total": 1}"#)
        #expect(page.data.map(\.id) == ["a"])
    }

    @Test func requiredIdentifiersAreStillRequired() {
        #expect(throws: DecodingError.self) { try decode(Video.self, #"{"status": "completed"}"#) }
        #expect(throws: DecodingError.self) { try decode(Look.self, #"{"name": "n"}"#) }
        #expect(throws: DecodingError.self) { try decode(Voice.self, #"{"name": "n"}"#) }
        #expect(throws: DecodingError.self) { try decode(CreateVideoResponse.self, #"{"status": "waiting"}"#) }
    }

    @Test func lenientTimestamps() throws {
        #expect(try decode(Video.self, #"{"id": "v", "created_at": 1711929600}"#).createdAt == 1_711_929_600)
        #expect(try decode(Video.self, #"{"id": "v", "created_at": 1711929600.75}"#).createdAt == 1_711_929_600)
        #expect(try decode(Video.self, #"{"id": "v", "created_at": "1711929600"}"#).createdAt == 1_711_929_600)
        #expect(try decode(Video.self, #"{"id": "v", "created_at": "yesterday"}"#).createdAt == nil)
        // A number no Int can hold is dropped, not a crash.
        #expect(try decode(Video.self, #"{"id": "v", "created_at": 1e300}"#).createdAt == nil)
    }

    // MARK: - Video status

    @Test func missingVideoStatusIsPending() throws {
        #expect(try decode(Video.self, #"{"id": "v"}"#).status == .pending)
        #expect(try decode(Video.self, #"{"id": "v", "status": null}"#).status == .pending)
        #expect(try decode(CreateVideoResponse.self, #"{"video_id": "v"}"#).status == .pending)
        #expect(try decode(VideoStatusEntry.self, #"{"video_id": "v"}"#).status == .pending)
        #expect(try decode(Video.self, #"{"id": "v", "status": "waiting"}"#).status == .waiting)
    }

    @Test(arguments: [
        ("completed", true), ("failed", true), ("not_found", true),
        ("pending", false), ("processing", false), ("waiting", false), ("queued", false),
        ("rendering", false), ("COMPLETED", false), ("", false),
    ])
    func videoStatusIsFinal(_ word: String, _ final: Bool) throws {
        let status = try decode(VideoStatus.self, "\"\(word)\"")
        #expect(status.isFinal == final)
        #expect(status.rawValue == word)
    }

    @Test func waitingAndQueuedAreKnownButNotFinal() {
        for status in [VideoStatus.waiting, .queued] {
            #expect(status.isKnown)
            #expect(!status.isFinal)
        }
    }

    @Test func statusEntryErrorAsStringOrObject() throws {
        let text = try decode(VideoStatusEntry.self, #"{"video_id": "a", "status": "failed", "error": "render crashed"}"#)
        #expect(text.error == "render crashed")
        #expect(text.status == .failed)

        let object = try decode(VideoStatusEntry.self, #"{"video_id": "b", "status": "failed", "error": {"code": "E1", "message": "bad audio"}}"#)
        #expect(object.error == "bad audio")

        let codeOnly = try decode(VideoStatusEntry.self, #"{"video_id": "c", "status": "failed", "error": {"code": "E2"}}"#)
        #expect(codeOnly.error == "E2")

        let none = try decode(VideoStatusEntry.self, #"{"video_id": "d", "status": "completed", "error": null}"#)
        #expect(none.error == nil)
        let absent = try decode(VideoStatusEntry.self, #"{"video_id": "e", "status": "not_found"}"#)
        #expect(absent.error == nil && absent.status == .notFound && absent.status.isFinal)

        let page = try decode(Page<VideoStatusEntry>.self, #"""
            {"data": [{"video_id": "a", "status": "queued"}, {"video_id": "b", "status": "failed", "error": {"message": "m"}}]}
            """#)
        #expect(page.data.map(\.videoID) == ["a", "b"])
        #expect(page.data.map(\.error) == [nil, "m"])
    }

    // MARK: - Pages

    @Test func pageWithoutHasMoreIsTheLast() throws {
        let page = try decode(Page<Voice>.self, #"{"data": [{"voice_id": "v1", "name": "A", "language": "English", "gender": "male"}]}"#)
        #expect(page.hasMore == false)
        #expect(page.nextToken == nil)
        #expect(page.data.count == 1)

        let more = try decode(Page<Voice>.self, #"{"data": [], "has_more": true, "next_token": "t2"}"#)
        #expect(more.hasMore && more.nextToken == "t2")

        let empty = try decode(Page<Voice>.self, "{}")
        #expect(empty.data.isEmpty && !empty.hasMore)
    }

    @Test func pageEncodesNextTokenAsNull() throws {
        let page = Page<Voice>(data: [], hasMore: false, nextToken: nil)
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(page)) as? [String: Any])
        #expect(Set(object.keys) == ["data", "has_more", "next_token"])
        #expect(object["next_token"] is NSNull)
    }

    // MARK: - Looks

    @Test func lookSupportsAndIsUsable() throws {
        let both = Look(id: "a", name: "A", supportedAPIEngines: [.avatarIV, .avatarV])
        #expect(both.supports(.avatarV) && both.supports(.avatarIV))
        let ivOnly = Look(id: "b", name: "B", supportedAPIEngines: [.avatarIV])
        #expect(!ivOnly.supports(.avatarV))
        let unknownEngines = Look(id: "c", name: "C", supportedAPIEngines: nil)
        #expect(!unknownEngines.supports(.avatarIV) && !unknownEngines.supports(.avatarV))
        #expect(!Look(id: "d", name: "D", supportedAPIEngines: []).supports(.avatarIV))

        #expect(Look(id: "e", name: "E", status: nil).isUsable)
        #expect(Look(id: "e", name: "E", status: .completed).isUsable)
        for status: LookStatus in [.processing, .pendingConsent, .failed, "archived"] {
            #expect(!Look(id: "e", name: "E", status: status).isUsable, "status \(status)")
        }
    }

    @Test func lookErrorAndDefaults() throws {
        let look = try decode(Look.self, #"{"id": "lk", "status": "failed", "error": {"code": "bad_footage", "message": "too dark"}}"#)
        #expect(look.name == "")
        #expect(look.avatarType.rawValue == "")
        #expect(look.error == LookError(code: "bad_footage", message: "too dark"))
        #expect(!look.isUsable)
    }

    // MARK: - Webhooks

    @Test func webhookEventReadsCurrentAndLegacyNames() throws {
        let current = try decode(WebhookEvent.self, #"""
            {"event_type": "avatar_video.success", "event_data": {"video_id": "v1", "video_url": "https://x.test/new.mp4", "url": "https://x.test/old.mp4"}}
            """#)
        #expect(current.eventData.downloadURL == "https://x.test/new.mp4")
        let legacy = try decode(WebhookEvent.self, #"{"event_type": "avatar_video.success", "event_data": {"video_id": "v1", "url": "https://x.test/old.mp4"}}"#)
        #expect(legacy.eventData.downloadURL == "https://x.test/old.mp4")

        let failed = try decode(WebhookEvent.self, #"""
            {"event_type": "avatar_video.fail", "event_data": {"video_id": "v2", "failure_message": "new text", "msg": "old text"}}
            """#)
        #expect(failed.eventData.failureText == "new text")
        let failedLegacy = try decode(WebhookEvent.self, #"{"event_type": "avatar_video.fail", "event_data": {"video_id": "v2", "msg": "old text"}}"#)
        #expect(failedLegacy.eventData.failureText == "old text")
        #expect(failedLegacy.eventData.downloadURL == nil)
    }

    @Test func webhookEndpointRequestEncoding() throws {
        let full = CreateWebhookEndpointRequest(url: "https://x.test/hook", events: [.videoSuccess], entityID: "e1")
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(full)) as? [String: Any])
        #expect(Set(object.keys) == ["url", "events", "entity_id"])
        #expect(object["events"] as? [String] == ["avatar_video.success"])
        let bare = CreateWebhookEndpointRequest(url: "https://x.test/hook")
        let bareObject = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(bare)) as? [String: Any])
        #expect(Set(bareObject.keys) == ["url"])
    }

    @Test func userRemainingCredits() throws {
        let user = try decode(User.self, #"{"username": "u", "wallet": {"remaining_credits": 12.5}, "plan": {"name": "pro"}}"#)
        #expect(user.remainingCredits == 12.5)
        #expect(user.plan?["name"]?.stringValue == "pro")
        let balance = try decode(User.self, #"{"wallet": {"remaining_balance": 3}}"#)
        #expect(balance.remainingCredits == 3)
        #expect(try decode(User.self, "{}").remainingCredits == nil)
    }
}

@Suite("Billing kinds of GET /v3/users/me")
struct BillingDecodingTests {
    func user(_ json: String) throws -> User { try JSONDecoder().decode(User.self, from: Data(json.utf8)) }

    @Test func aWalletInUSDOrCredits() throws {
        let usd = try user(#"{"username":"u","email":null,"first_name":"A","last_name":"B","billing_type":"wallet","#
            + #""wallet":{"currency":"usd","remaining_balance":12.345,"auto_reload":{"enabled":true,"amount_usd":50,"threshold_usd":5}}}"#)
        guard case .wallet(let w) = usd.billing else { Issue.record("\(usd.billing)"); return }
        #expect(w.currency == "usd" && w.remainingBalance == 12.345 && w.autoReload?.amountUSD == 50)
        #expect(usd.billing.short == "$12.35 (auto-reload)")
        #expect(usd.remainingCredits == nil, "dollars are not credits")
        #expect(usd.billing.details.contains { $0.0 == "Auto-reload" && $0.1 == "on: adds $50.00 below $5.00" })
        let credits = try user(#"{"billing_type":"wallet","wallet":{"currency":"credits","remaining_balance":0}}"#)
        #expect(credits.remainingCredits == 0 && credits.billing.short == "0 credits")
        #expect(credits.billing.exhausted?.contains("empty") == true)
    }

    @Test func aSubscriptionWithItsPools() throws {
        let sub = try user(#"{"billing_type":"subscription","subscription":{"plan":"team","credits":{"#
            + #""premium_credits":{"remaining":40,"resets_at":"2026-02-01T00:00:00Z"},"add_on_credits":{"remaining":null}}}}"#)
        guard case .subscription(let s) = sub.billing else { Issue.record("\(sub.billing)"); return }
        #expect(s.plan == "team" && s.premium?.remaining == 40 && s.addOn?.remaining == nil && s.totalRemaining == 40)
        #expect(sub.billing.short == "team plan · 40 credits")
        #expect(sub.billing.details.contains { $0.0 == "Premium credits" && $0.1 == "40, resets 2026-02-01T00:00:00Z" })
        #expect(sub.remainingCredits == 40)
    }

    @Test func usageBasedWithACap() throws {
        let metered = try user(#"{"billing_type":"usage_based","usage_based":{"included_credits":100,"remaining_credits":0,"#
            + #""spending_cap_usd":20,"spending_current_usd":20.0}}"#)
        guard case .usageBased(let u) = metered.billing else { Issue.record("\(metered.billing)"); return }
        #expect(u.atCap && metered.billing.short == "usage-based · spending cap reached")
        #expect(metered.billing.details.contains { $0.0 == "Spending" && $0.1 == "$20.00 of a $20.00 cap" })
        let open = try user(#"{"billing_type":"usage_based","usage_based":{"spending_current_usd":3.5,"spending_cap_usd":null}}"#)
        #expect(open.billing.short == "usage-based · $3.50 spent" && open.billing.exhausted == nil)
    }

    @Test func unknownOrOddShapesDecodeAndSayWhatTheyAre() throws {
        let unknown = try user(#"{"billing_type":"barter","barter":{"goats":3}}"#)
        #expect(unknown.billing == .unknown("barter") && unknown.billing.short?.contains("not known to this version") == true)
        #expect(unknown.remainingCredits == nil)
        // A billing type that is not a word, a wallet that is not an object, a NaN-ish huge number: still an answer.
        let odd = try user(#"{"billing_type":7,"wallet":"lots"}"#)
        #expect(odd.billingType == nil && odd.billing == .none)
        let mismatched = try user(#"{"billing_type":"subscription"}"#)
        #expect(mismatched.billing.short == "subscription", "named but absent: said, not invented")
        let huge = try user(#"{"billing_type":"wallet","wallet":{"currency":"credits","remaining_balance":1e300}}"#)
        #expect(huge.billing.short == PlainFormat.grouped(.max) + " credits")
        let bell = try user(#"{"billing_type":"wallet","wallet":{"currency":"\u001b[31mzorkmids","remaining_balance":3}}"#)
        #expect(bell.billing.short?.contains("\u{1b}") == false)
    }
}
