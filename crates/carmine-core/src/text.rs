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

/// The `#topics` in a text, normalised (ASCII lowercased), in order, without repeats.
/// A topic runs until whitespace, punctuation or a closing `#`: `#护肤好物#推荐` is the
/// topic 护肤好物 followed by the text 推荐.
pub fn parse_topics(text: &str) -> Vec<String> {
    let mut topics: Vec<String> = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '#' {
            continue;
        }
        let mut topic = String::new();
        while let Some(&next) = chars.peek() {
            if !(next.is_alphanumeric() || next == '_') {
                break;
            }
            topic.push(next);
            chars.next();
        }
        if chars.peek() == Some(&'#') {
            chars.next(); // the closing '#'
        }
        if let Some(topic) = normalize_topic(&topic)
            && !topics.contains(&topic)
        {
            topics.push(topic);
        }
    }
    topics
}

/// A topic as stored: trimmed of a leading `#`, ASCII lowercased, letters, digits and `_`
/// only, 1 to [`TOPIC_CHARS_MAX`] characters; `None` otherwise.
pub fn normalize_topic(raw: &str) -> Option<String> {
    let topic = raw.trim().trim_start_matches('#').to_lowercase();
    let length = topic.chars().count();
    let valid = (1..=TOPIC_CHARS_MAX).contains(&length) && topic.chars().all(|c| c.is_alphanumeric() || c == '_');
    valid.then_some(topic)
}

/// The usernames `@mentioned` in a text (lowercased, in order, without repeats).
pub fn parse_mentions(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut previous = ' ';
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        // `a@b` is an e-mail address, not a mention.
        if c == '@' && !(previous.is_ascii_alphanumeric() || previous == '_') {
            let mut name = String::new();
            while let Some(&next) = chars.peek() {
                if !(next.is_ascii_alphanumeric() || next == '_') {
                    break;
                }
                name.push(next.to_ascii_lowercase());
                chars.next();
            }
            if (USERNAME_CHARS_MIN..=USERNAME_CHARS_MAX).contains(&name.len()) && !names.contains(&name) {
                names.push(name);
            }
            previous = 'x';
            continue;
        }
        previous = c;
    }
    names
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
    fn topics_follow_the_documented_rules() {
        assert_eq!(parse_topics("#护肤好物#推荐 给大家"), ["护肤好物"]);
        assert_eq!(parse_topics("Morning #Coffee, then #travel_tips! #coffee again"), ["coffee", "travel_tips"]);
        assert_eq!(parse_topics("#上海 #上海。# #"), ["上海"]);
        assert_eq!(parse_topics("no topics here"), Vec::<String>::new());
        assert_eq!(normalize_topic("#OOTD"), Some("ootd".to_owned()));
        assert_eq!(normalize_topic("two words"), None);
        assert_eq!(normalize_topic(&"长".repeat(31)), None);
    }

    #[test]
    fn mentions_are_usernames_after_an_at_sign() {
        assert_eq!(parse_mentions("thanks @Alice_1 and @bob! cc @alice_1"), ["alice_1", "bob"]);
        assert_eq!(parse_mentions("mail me: me@example.com"), Vec::<String>::new());
        assert_eq!(parse_mentions("@ab is too short, @小红 is not a username"), Vec::<String>::new());
        assert_eq!(parse_mentions("和@meimei一起"), ["meimei"]);
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
