//! Multi-row statements for batched writes (the ledger's group commit). The SQL is
//! built only from numbered placeholders (`($1, $2), ($3, $4)`), never from values,
//! so it stays as safe as a static string; values are always bound.

/// `($first, …), (…)`: `rows` tuples of `columns` placeholders numbered from `first`.
pub(crate) fn tuples(rows: usize, columns: usize, first: usize) -> String {
    let mut out = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for column in 0..columns {
            if column > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(first + row * columns + column).to_string());
        }
        out.push(')');
    }
    out
}

/// `$first, $first+1, …`: `count` placeholders for an `IN (…)` list.
pub(crate) fn list(count: usize, first: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

/// Rows per multi-row statement: well under both backends' bound-parameter limits.
pub(crate) const ROWS_PER_STATEMENT: usize = 400;

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(super::tuples(2, 3, 1), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(super::tuples(1, 1, 5), "($5)");
        assert_eq!(super::tuples(0, 2, 1), "");
        assert_eq!(super::list(3, 2), "$2, $3, $4");
    }
}
