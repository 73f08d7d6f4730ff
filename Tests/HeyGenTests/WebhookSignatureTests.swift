import Foundation
import Testing
@testable import HeyGen

@Suite("Webhook signatures")
struct WebhookSignatureTests {
    // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
    let rfcKey = "Jefe"
    let rfcData = Data("what do ya want for nothing?".utf8)
    let rfcMAC = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"

    @Test func signIsTheHexHMACSHA256OfTheBody() {
        #expect(WebhookSignature.sign(rfcData, secret: rfcKey) == rfcMAC)
    }

    @Test func verifyAcceptsTheRightCodeInEitherCase() {
        #expect(WebhookSignature.isValid(rfcMAC, body: rfcData, secret: rfcKey))
        #expect(WebhookSignature.isValid(rfcMAC.uppercased(), body: rfcData, secret: rfcKey))
    }

    @Test func verifyRefusesEverythingElse() {
        var flipped = Array(rfcMAC)
        flipped[63] = flipped[63] == "3" ? "4" : "3"
        let refused = [
            String(flipped), String(rfcMAC.dropLast(2)), rfcMAC + "00", "", "zz" + rfcMAC.dropFirst(2), "sha256=" + rfcMAC,
            String(repeating: "0", count: 64),
        ]
        for signature in refused {
            #expect(!WebhookSignature.isValid(signature, body: rfcData, secret: rfcKey), "\(signature)")
        }
        #expect(!WebhookSignature.isValid(rfcMAC, body: rfcData + Data(" ".utf8), secret: rfcKey))
        #expect(!WebhookSignature.isValid(rfcMAC, body: rfcData, secret: "jefe"))
        #expect(!WebhookSignature.isValid(WebhookSignature.sign(rfcData, secret: ""), body: rfcData, secret: ""), "no empty secret")
    }

    @Test func hexParsing() {
        #expect(WebhookSignature.hexBytes("00ff7Fa0") == [0x00, 0xff, 0x7f, 0xa0])
        #expect(WebhookSignature.hexBytes("abc") == nil)
        #expect(WebhookSignature.hexBytes("0g") == nil)
        #expect(WebhookSignature.hexBytes("") == [])
    }
}
