//! Validated text values: parse, don't validate. A `Username` that exists is valid.

use serde::Serialize;

use crate::error::{Error, ErrorCode, FieldRule};
use crate::limits::*;

/// `[a-z0-9_]{3,24}`, case-insensitive: stored and compared in lowercase. Members and
/// organizations share this namespace (their handles), so `@name` is never ambiguous.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Handle(String);

/// Names members cannot take for themselves at sign-up (they could pass for the
/// platform); operators create them with the CLI.
pub const RESERVED_HANDLES: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "system",
    "official",
    "support",
    "help",
    "helpdesk",
    "security",
    "staff",
    "moderator",
    "mod",
    "operator",
    "carmine",
    "api",
    "www",
    "mail",
    "postmaster",
    "abuse",
    "billing",
    "payments",
    "team",
    "service",
    "customer_service",
    "kefu",
    "guanfang",
    "xiaohongshu",
    "null",
    "undefined",
];

impl Handle {
    /// Whether members may not take this name at sign-up (see [`RESERVED_HANDLES`]);
    /// `official_x`, `x_support` and the like are reserved too.
    pub fn is_reserved(&self) -> bool {
        let name = self.0.as_str();
        RESERVED_HANDLES.iter().any(|r| {
            name == *r
                || name.strip_prefix(r).is_some_and(|rest| rest.starts_with('_'))
                || name.strip_suffix(r).is_some_and(|rest| rest.ends_with('_'))
        })
    }

    pub fn parse(field: &str, raw: &str) -> Result<Handle, Error> {
        let lower = raw.to_ascii_lowercase();
        let length = lower.chars().count();
        if length < USERNAME_CHARS_MIN {
            return Err(Error::broke_rule(field, FieldRule::TooShort(USERNAME_CHARS_MIN)));
        }
        if length > USERNAME_CHARS_MAX {
            return Err(Error::broke_rule(field, FieldRule::TooLong(USERNAME_CHARS_MAX)));
        }
        if !lower.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err(Error::broke_rule(field, FieldRule::HandleCharacters));
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
    let weak = |rule| Error::broke_rule_as(ErrorCode::WeakPassword, "password", rule);
    if length < PASSWORD_CHARS_MIN {
        return Err(weak(FieldRule::TooShort(PASSWORD_CHARS_MIN)));
    }
    if length > PASSWORD_CHARS_MAX {
        return Err(weak(FieldRule::TooLong(PASSWORD_CHARS_MAX)));
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(weak(FieldRule::SameAsUsername));
    }
    Ok(())
}

/// Trimmed text of at most `max` characters, without control characters (newlines and
/// tabs allowed when `multiline`). `min_chars` of 0 allows empty.
pub fn bounded_text(field: &str, raw: &str, min_chars: usize, max: usize, multiline: bool) -> Result<String, Error> {
    let text = raw.trim();
    let length = text.chars().count();
    if length < min_chars {
        let rule = if length == 0 { FieldRule::Empty } else { FieldRule::TooShort(min_chars) };
        return Err(Error::broke_rule(field, rule));
    }
    if length > max {
        return Err(Error::broke_rule(field, FieldRule::TooLong(max)));
    }
    if text.chars().any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t' || c == '\r'))) {
        return Err(Error::broke_rule(field, FieldRule::ControlCharacters));
    }
    Ok(text.to_owned())
}

/// A display name: [`bounded_text`] on one line, without bidirectional controls (which
/// could make a name read as another) and not made only of invisible characters.
pub fn display_name(raw: &str, min_chars: usize) -> Result<String, Error> {
    let name = bounded_text("display_name", raw, min_chars, crate::limits::DISPLAY_NAME_CHARS_MAX, false)?;
    let bidi =
        |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}');
    if name.chars().any(bidi) {
        return Err(Error::invalid_field("display_name", "must not contain text-direction controls"));
    }
    let invisible = |c: char| {
        c.is_whitespace()
            || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}'
                | '\u{3164}' | '\u{115F}' | '\u{1160}' | '\u{FFA0}' | '\u{034F}')
    };
    if !name.is_empty() && name.chars().all(invisible) {
        return Err(Error::invalid_field("display_name", "must have a visible character"));
    }
    Ok(name)
}

/// A piece of a note's text: plain text, a `#topic` or an `@mention`. Pages render
/// the pieces as links; [`parse_topics`] and [`parse_mentions`] read the same pieces,
/// so what is linked is exactly what is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    Text(String),
    /// As written (without `#`), and normalised; `normalized` is `None` when the
    /// writing is not a valid topic (then it is shown as text).
    Topic {
        written: String,
        normalized: Option<String>,
    },
    /// A lowercase username.
    Mention(String),
}

/// The interface languages Carmine speaks, as BCP 47 tags.
pub const INTERFACE_LOCALES: &[&str] = &["en", "zh-CN"];

/// Splits a text into tokens. A `#topic` runs until whitespace, punctuation or a closing
/// `#` (so `#护肤好物#推荐` is the topic 护肤好物 followed by the text 推荐). An `@name`
/// after a letter or digit is part of an e-mail address, not a mention.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut previous = ' ';
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let is_mention = c == '@' && !(previous.is_ascii_alphanumeric() || previous == '_');
        if c == '#' || is_mention {
            let mut word = String::new();
            while let Some(&next) = chars.peek() {
                let accepted = if c == '#' {
                    next.is_alphanumeric() || next == '_'
                } else {
                    next.is_ascii_alphanumeric() || next == '_'
                };
                if !accepted {
                    break;
                }
                word.push(next);
                chars.next();
            }
            let closing = c == '#' && chars.peek() == Some(&'#') && !word.is_empty();
            if closing {
                chars.next();
            }
            let token = if c == '#' {
                normalize_topic(&word)
                    .map(|normalized| Token::Topic { written: word.clone(), normalized: Some(normalized) })
            } else {
                let name = word.to_ascii_lowercase();
                (USERNAME_CHARS_MIN..=USERNAME_CHARS_MAX).contains(&name.len()).then_some(Token::Mention(name))
            };
            match token {
                Some(token) => {
                    if !plain.is_empty() {
                        out.push(Token::Text(std::mem::take(&mut plain)));
                    }
                    out.push(token);
                }
                None => {
                    plain.push(c);
                    plain.push_str(&word);
                    if closing {
                        plain.push('#');
                    }
                }
            }
            previous = 'x';
            continue;
        }
        plain.push(c);
        previous = c;
    }
    if !plain.is_empty() {
        out.push(Token::Text(plain));
    }
    out
}

/// The `#topics` in a text, normalised (lowercased), in order, without repeats.
pub fn parse_topics(text: &str) -> Vec<String> {
    let mut topics: Vec<String> = Vec::new();
    for token in tokens(text) {
        if let Token::Topic { normalized: Some(topic), .. } = token
            && !topics.contains(&topic)
        {
            topics.push(topic);
        }
    }
    topics
}

/// A topic as stored: trimmed of a leading `#`, lowercased, letters, digits and `_`
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
    for token in tokens(text) {
        if let Token::Mention(name) = token
            && !names.contains(&name)
        {
            names.push(name);
        }
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
    fn tokens_keep_every_character_of_the_text() {
        let text = "早安 #咖啡#今天 with @Lan_Lan, me@mail.com #a b @x #";
        let rebuilt: String = tokens(text)
            .iter()
            .map(|t| match t {
                Token::Text(s) => s.clone(),
                Token::Topic { written, .. } => format!("#{written}"),
                Token::Mention(name) => format!("@{name}"),
            })
            .collect();
        // Closing `#` of a topic and the case of mentions are the only changes.
        assert_eq!(rebuilt, "早安 #咖啡今天 with @lan_lan, me@mail.com #a b @x #");
        assert!(tokens(text).contains(&Token::Mention("lan_lan".into())));
        assert!(tokens(text).contains(&Token::Topic { written: "咖啡".into(), normalized: Some("咖啡".into()) }));
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
