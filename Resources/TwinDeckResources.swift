import Foundation

/// Locates the simulator's fixture files (looks, voice catalogue seeds, sample media).
public enum TwinDeckResources {
    /// The folder that holds the fixture files, inside the resource bundle SwiftPM built.
    public static var fixturesURL: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures", isDirectory: true)
    }

    /// Reads one fixture file by name.
    public static func data(named name: String) throws -> Data {
        try Data(contentsOf: fixturesURL.appendingPathComponent(name))
    }
}
