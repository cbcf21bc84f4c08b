//! Query strings, form-urlencoded as `serde_urlencoded` writes them.

/// The decoded `key=value` pairs, in order (`+` is a space, `%XX` an escaped byte).
pub fn parse(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key, true), decode(value, true))
        })
        .collect()
}

/// Percent-decoding; invalid escapes are kept as they are, invalid UTF-8 is replaced.
pub fn decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_form_encoding() {
        let pairs = parse(Some("labels=drift%2Cdevopness+status&&x&%ff=1"));
        assert_eq!(
            pairs,
            vec![
                ("labels".to_string(), "drift,devopness status".to_string()),
                ("x".to_string(), String::new()),
                ("\u{fffd}".to_string(), "1".to_string()),
            ]
        );
        assert!(parse(None).is_empty());
        assert_eq!(decode("100%", true), "100%");
        assert_eq!(decode("a%zz+b", false), "a%zz+b");
        assert_eq!(decode("%C3%A9%2", true), "é%2");
    }
}
