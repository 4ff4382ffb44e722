//! The one colour of each theme, shared by every report that colours themes: the HTML page
//! (`#rrggbb` for CSS) and the terminal report (24-bit ANSI escapes), so a theme looks the same
//! in both.

/// Twenty colours that stay distinct from each other and readable on white; themes beyond the
/// twentieth get colours spread round the hue circle.
const PALETTE: [(u8, u8, u8); 20] = [
    (0x4e, 0x79, 0xa7),
    (0xf2, 0x8e, 0x2b),
    (0xe1, 0x57, 0x59),
    (0x59, 0xa1, 0x4f),
    (0xb0, 0x7a, 0xa1),
    (0x76, 0xb7, 0xb2),
    (0xed, 0xc9, 0x48),
    (0xff, 0x9d, 0xa7),
    (0x9c, 0x75, 0x5f),
    (0x79, 0x70, 0x6e),
    (0x1b, 0x9e, 0x77),
    (0xd9, 0x5f, 0x02),
    (0x75, 0x70, 0xb3),
    (0xe7, 0x29, 0x8a),
    (0x66, 0xa6, 0x1e),
    (0xa6, 0x76, 0x1d),
    (0x1f, 0x78, 0xb4),
    (0xb1, 0x59, 0x28),
    (0x6a, 0x3d, 0x9a),
    (0x17, 0xbe, 0xcf),
];

/// The colour of theme `id` (1-based) as red, green, blue: the same theme always gets the
/// same colour.
pub fn theme_rgb(id: usize) -> (u8, u8, u8) {
    match PALETTE.get(id.wrapping_sub(1)) {
        Some(&c) => c,
        None => {
            // Golden-angle hues, alternating lightness so neighbours differ.
            let hue = (id as f64 * 137.508) % 360.0;
            let light = if id.is_multiple_of(2) { 0.42 } else { 0.55 };
            hsl_to_rgb(hue, 0.6, light)
        }
    }
}

/// The colour of theme `id` (1-based) as `#rrggbb` (for CSS).
pub fn theme_colour(id: usize) -> String {
    let (r, g, b) = theme_rgb(id);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// `text` in the colour of theme `id` for a terminal: a 24-bit foreground escape (bold when
/// `bold`) before it and a reset after it. The escapes take no columns on screen.
pub fn ansi(text: &str, id: usize, bold: bool) -> String {
    let (r, g, b) = theme_rgb(id);
    let weight = if bold { "1;" } else { "" };
    format!("\x1b[{weight}38;2;{r};{g};{b}m{text}\x1b[0m")
}

fn hsl_to_rgb(h: f64, s: f64, l: f64) -> (u8, u8, u8) {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let hp = h / 60.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let to = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    (to(r), to(g), to(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminal_and_the_page_use_the_same_colour() {
        assert_eq!(theme_colour(1), "#4e79a7");
        assert_eq!(theme_colour(20), "#17becf");
        assert_eq!(ansi("T1", 1, false), "\x1b[38;2;78;121;167mT1\x1b[0m");
        assert_eq!(ansi("T2", 2, true), "\x1b[1;38;2;242;142;43mT2\x1b[0m");
        let (r, g, b) = theme_rgb(33);
        assert_eq!(theme_colour(33), format!("#{r:02x}{g:02x}{b:02x}"));
    }
}
