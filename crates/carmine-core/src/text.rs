//! Validated text values: parse, don't validate. A `Username` that exists is valid.

use serde::Serialize;

use crate::error::{Error, ErrorCode};
use crate::limits::*;

/// `[a-z0-9_]{3,24}`, case-insensitive: stored and compared in lowercase. Members and
/// organizations share this namespace (their handles), so `@name` is never ambiguous.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Handle(String);

impl Handle {
    pub fn parse(field: &str, raw: &str) -> Result<Handle, Error> {
        let lower = raw.to_ascii_lowercase();
        let length = lower.chars().count();
        if !(USERNAME_CHARS_MIN..=USERNAME_CHARS_MAX).contains(&length) {
            return Err(Error::invalid_field(
                field,
                format!("must be {USERNAME_CHARS_MIN} to {USERNAME_CHARS_MAX} characters"),
            ));
        }
        if !lower.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err(Error::invalid_field(field, "may contain only letters a-z, digits and _"));
        }
        Ok(Handle(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A new password: length rules only (NIST 800-63B): no composition rules.
pub fn check_new_password(password: &str, username: &str) -> Result<(), Error> {
    let length = password.chars().count();
    let weak = |reason: String| {
        Error::new(ErrorCode::WeakPassword)
            .with_message(reason.clone())
            .with_details(serde_json::json!({ "field": "password", "reason": reason }))
    };
    if length < PASSWORD_CHARS_MIN {
        return Err(weak(format!("must be at least {PASSWORD_CHARS_MIN} characters")));
    }
    if length > PASSWORD_CHARS_MAX {
        return Err(weak(format!("must be at most {PASSWORD_CHARS_MAX} characters")));
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(weak("must not be the username".to_owned()));
    }
    Ok(())
}

/// Trimmed text of at most `max` characters, without control characters (newlines and
/// tabs allowed when `multiline`). `min_chars` of 0 allows empty.
pub fn bounded_text(field: &str, raw: &str, min_chars: usize, max: usize, multiline: bool) -> Result<String, Error> {
    let text = raw.trim();
    let length = text.chars().count();
    if length < min_chars {
        return Err(Error::invalid_field(field, "must not be empty"));
    }
    if length > max {
        return Err(Error::invalid_field(field, format!("must be at most {max} characters")));
    }
    if text.chars().any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t' || c == '\r'))) {
        return Err(Error::invalid_field(field, "must not contain control characters"));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_follow_the_username_rules() {
        assert_eq!(Handle::parse("username", "Xiao_Hong99").unwrap().as_str(), "xiao_hong99");
        for bad in ["ab", "a".repeat(25).as_str(), "小红", "with space", "dash-ed", "dot.ted", ""] {
            let err = Handle::parse("username", bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidField, "{bad:?}");
            assert_eq!(err.details.unwrap()["field"], "username");
        }
    }

    #[test]
    fn passwords_have_length_rules_only() {
        assert!(check_new_password("correct horse", "alice").is_ok());
        assert!(check_new_password("密码密码密码密码", "alice").is_ok());
        assert_eq!(check_new_password("short", "alice").unwrap_err().code, ErrorCode::WeakPassword);
        assert_eq!(check_new_password(&"x".repeat(129), "alice").unwrap_err().code, ErrorCode::WeakPassword);
        assert_eq!(check_new_password("AliceBob", "alicebob").unwrap_err().code, ErrorCode::WeakPassword);
    }

    #[test]
    fn bounded_text_trims_counts_characters_and_refuses_controls() {
        assert_eq!(bounded_text("bio", "  你好，世界  ", 0, 5, false).unwrap(), "你好，世界");
        assert!(bounded_text("bio", "你好，世界!", 0, 5, false).is_err());
        assert!(bounded_text("name", "   ", 1, 5, false).is_err());
        assert!(bounded_text("name", "a\u{0}b", 0, 5, false).is_err());
        assert!(bounded_text("bio", "a\nb", 0, 5, false).is_err());
        assert_eq!(bounded_text("bio", "a\nb", 0, 5, true).unwrap(), "a\nb");
    }
}
