//! CSV as spreadsheets write it (RFC 4180): fields separated by commas, quoted with
//! `"` when they hold a comma, quote or line break (a quote inside doubled), lines
//! ending in CRLF or LF. Reading reports each record with the line it starts on.

/// One record and the (1-based) line of the file it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Why a file could not be read as CSV, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvError {
    pub line: usize,
    pub reason: &'static str,
}

/// The records of `text` (blank lines skipped).
pub fn read(text: &str) -> Result<Vec<Record>, CsvError> {
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut start = 1;
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            '"' => return Err(CsvError { line, reason: "a quote inside a field that is not quoted" }),
            ',' => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
                if !(fields.len() == 1 && fields[0].is_empty()) {
                    records.push(Record { line: start, fields: std::mem::take(&mut fields) });
                }
                fields.clear();
                line += 1;
                start = line;
            }
            _ if was_quoted => return Err(CsvError { line, reason: "text after a closing quote" }),
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(CsvError { line: start, reason: "a quoted field is never closed" });
    }
    if !field.is_empty() || !fields.is_empty() || was_quoted {
        fields.push(field);
        records.push(Record { line: start, fields });
    }
    Ok(records)
}

/// One field as CSV writes it.
pub fn field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// A record as one line (CRLF-terminated, as spreadsheets expect).
pub fn line(values: &[String]) -> String {
    let mut out = values.iter().map(|v| field(v)).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quoted_fields_hold_commas_quotes_and_lines() {
        let text = "a,b,c\r\n\"1,5\",\"say \"\"hi\"\"\",\"two\nlines\"\n\nx,,\n";
        let records = read(text).unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(
            records[1],
            Record { line: 2, fields: vec!["1,5".into(), "say \"hi\"".into(), "two\nlines".into()] }
        );
        assert_eq!(records[2], Record { line: 5, fields: vec!["x".into(), String::new(), String::new()] });
        assert_eq!(read("a,\"b").unwrap_err().line, 1);
        assert_eq!(read("a,b\"c").unwrap_err().reason, "a quote inside a field that is not quoted");
        assert_eq!(read("\"a\"b").unwrap_err().reason, "text after a closing quote");
    }

    proptest! {
        #[test]
        fn what_is_written_reads_back(rows in prop::collection::vec(prop::collection::vec(any::<String>(), 1..5), 1..5)) {
            // A record of one empty field is a blank line, which reading skips.
            let rows: Vec<Vec<String>> = rows.into_iter().filter(|r| !(r.len() == 1 && r[0].is_empty())).collect();
            let text: String = rows.iter().map(|r| line(r)).collect();
            let read_back: Vec<Vec<String>> = read(&text).unwrap().into_iter().map(|r| r.fields).collect();
            prop_assert_eq!(read_back, rows);
        }
    }
}
