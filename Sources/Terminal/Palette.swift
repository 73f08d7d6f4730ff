/// The xterm 256-colour palette: 16 system colours, a 6×6×6 cube, and 24 greys.
public enum Palette {
    /// The RGB value of palette entry `n`.
    public static func rgb(_ n: UInt8) -> (r: Int, g: Int, b: Int) {
        switch n {
        case 0..<16:
            let basic: [(Int, Int, Int)] = [
                (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
                (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
            ]
            let c = basic[Int(n)]
            return (c.0, c.1, c.2)
        case 16..<232:
            let i = Int(n) - 16
            let level = { (v: Int) in v == 0 ? 0 : 55 + v * 40 }
            return (level(i / 36), level(i / 6 % 6), level(i % 6))
        default:
            let v = 8 + (Int(n) - 232) * 10
            return (v, v, v)
        }
    }

    /// The palette entry closest to an RGB colour (for `38;2;r;g;b` true-colour codes).
    public static func nearest(r: Int, g: Int, b: Int) -> UInt8 {
        var best: UInt8 = 0
        var bestDistance = Int.max
        for n in 16...255 {
            let c = rgb(UInt8(n))
            let d = (c.r - r) * (c.r - r) + (c.g - g) * (c.g - g) + (c.b - b) * (c.b - b)
            if d < bestDistance { (best, bestDistance) = (UInt8(n), d) }
        }
        return best
    }

    /// The nearest of the eight basic curses colours (0 black … 7 white), for terminals with few colours.
    public static func nearestBasic(_ n: UInt8) -> UInt8 {
        if n < 16 { return n % 8 }
        let c = rgb(n)
        let bright = max(c.r, c.g, c.b)
        guard bright > 60 else { return 0 }
        let threshold = bright / 2
        let bits = (c.r > threshold ? 1 : 0) | (c.g > threshold ? 2 : 0) | (c.b > threshold ? 4 : 0)
        return UInt8(bits)
    }
}
