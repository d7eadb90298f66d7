//! Human output never shows invisible or direction-changing characters as
//! they are (issue 15.4): a title "Tom\u{202E}gnp.exe" must not read as
//! "Tomexe.png", and two keys named "admin" and "admin\u{200B}" must not look
//! the same. Every human line passes through [`shown`], which writes such
//! characters as `\u{…}`; JSON output carries the exact text.

use std::borrow::Cow;

/// Is `c` invisible, or does it change the direction or shaping of the text
/// around it (Unicode format characters and the usual look-alike blanks)?
fn is_hidden(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E007F}')
        || (c.is_control() && c != '\n' && c != '\t')
}

/// `text` with every hidden character written as `\u{XXXX}`.
pub fn shown(text: &str) -> Cow<'_, str> {
    // Every hidden character is a control or outside ASCII: printable ASCII
    // (most lines, e.g. each of 100,000 `members` lines) is checked by byte.
    let plain = |b: &u8| matches!(b, b' '..=b'~' | b'\t' | b'\n');
    if text.as_bytes().iter().all(plain) || !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hidden(c) {
            out.push_str(&format!("\\u{{{:04X}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::is_hidden;
    use super::shown;

    #[test]
    fn hidden_characters_are_escaped_and_others_kept() {
        assert_eq!(shown("Tom\u{202E}gnp.exe"), "Tom\\u{202E}gnp.exe");
        assert_eq!(shown("admin\u{200B}"), "admin\\u{200B}");
        assert_ne!(shown("admin"), shown("admin\u{200B}"));
        assert_eq!(shown("Büchercafé 📚 Книги"), "Büchercafé 📚 Книги");
        assert_eq!(shown("a\tb"), "a\tb");
    }

    #[test]
    fn the_byte_check_passes_only_what_is_not_hidden() {
        for byte in 0u8..=0x7f {
            let text = char::from(byte).to_string();
            let by_char = is_hidden(char::from(byte));
            assert_eq!(shown(&text) != text, by_char, "byte {byte:#04x}");
        }
        assert_eq!(shown("\u{7}"), "\\u{0007}");
    }
}
