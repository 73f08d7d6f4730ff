import Foundation
import HeyGen
import Testing

@Suite("Speech models")
struct SpeechModelTests {
    @Test func theAnswerDecodesWithAndWithoutWordTimestamps() throws {
        let full = #"{"data": {"audio_url": "https://files.test/a.mp3?sig=1", "duration": 3.25, "request_id": "r1", "unknown": 1,"#
            + #" "word_timestamps": [{"word": "Hi", "start": 0, "end": 0.3}]}}"#
        let answer = try JSONDecoder().decode(DataEnvelope<SpeechResponse>.self, from: Data(full.utf8)).data
        #expect(answer == SpeechResponse(audioURL: "https://files.test/a.mp3?sig=1", duration: 3.25, requestID: "r1",
                                         wordTimestamps: [WordTimestamp(word: "Hi", start: 0, end: 0.3)]))
        #expect(answer.wholeSeconds == 4)
        let bare = try JSONDecoder().decode(DataEnvelope<SpeechResponse>.self,
                                            from: Data(#"{"data": {"audio_url": "u", "duration": 1, "word_timestamps": null}}"#.utf8)).data
        #expect(bare.wordTimestamps == nil && bare.requestID == nil)
        // A required field missing is an error, not a silent default.
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(DataEnvelope<SpeechResponse>.self, from: Data(#"{"data": {"duration": 1}}"#.utf8))
        }
    }

    @Test func outlandishDurationsNeverTrap() {
        #expect(SpeechResponse(audioURL: "u", duration: -5).wholeSeconds == 0)
        #expect(SpeechResponse(audioURL: "u", duration: 1e300).wholeSeconds == Int.max)
        #expect(SpeechResponse(audioURL: "u", duration: .nan).wholeSeconds == 0)
    }

    @Test func theBodyUsesTheAPIsNamesAndTheRulesMatchTheSchema() throws {
        let body = try SpeechRequest(text: "Hi", voiceID: "v1", speed: 1.5, locale: "en-US").jsonBody()
        #expect(String(decoding: body, as: UTF8.self) == #"{"locale":"en-US","speed":1.5,"text":"Hi","voice_id":"v1"}"#)
        #expect(String(decoding: try SpeechRequest(text: "Hi", voiceID: "v1").jsonBody(), as: UTF8.self) == #"{"text":"Hi","voice_id":"v1"}"#)
        #expect(SpeechRequest(text: String(repeating: "x", count: 5_000), voiceID: "v", speed: 0.5).validate().isEmpty)
        #expect(SpeechRequest(text: String(repeating: "x", count: 5_001), voiceID: "v").validate().map(\.field) == ["text"])
        #expect(SpeechRequest(text: "x", voiceID: "v", speed: 2.01).validate().map(\.field) == ["speed"])
        #expect(SpeechRequest(text: "x", voiceID: "", speed: 0.49).validate().map(\.field) == ["voice_id", "speed"])
    }
}
