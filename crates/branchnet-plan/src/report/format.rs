//! Escaping and number formatting for people: thousands separators, percentages with one decimal, money with
//! its currency, distances in m or km. Every non-finite value (NaN means "does not apply" in branchnet) and
//! every missing one is shown as an en dash.

/// What a cell shows when there is no value.
pub(crate) const NONE: &str = "–";

/// Escapes text for HTML element content and for attribute values in double or single quotes.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A count with thousands separators: `12,345`.
pub(crate) fn int(n: usize) -> String {
    group_digits(&n.to_string())
}

/// A number with `decimals` decimals and thousands separators: `-1,234.5`.
pub(crate) fn num(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return NONE.to_string();
    }
    let text = format!("{:.*}", decimals, v.abs());
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::new();
    // `-0.0` and values that round to zero get no sign.
    if v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.push('-');
    }
    out.push_str(&group_digits(whole));
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// A demand or population figure: whole numbers from 100 up, where decimals are noise, two significant
/// decimals below so small potentials stay readable.
pub(crate) fn qty(v: f64) -> String {
    let a = v.abs();
    // Zero (no change, nothing covered) reads as `0`, not `0.00`.
    let decimals = if a >= 100.0 || a == 0.0 {
        0
    } else if a >= 10.0 {
        1
    } else {
        2
    };
    num(v, decimals)
}

/// A share in `[0, 1]` as a percentage with one decimal: `45.3%`.
pub(crate) fn pct(share: f64) -> String {
    if !share.is_finite() {
        return NONE.to_string();
    }
    format!("{}%", num(share * 100.0, 1))
}

/// Money in whole units with the currency: `1,250,000 CNY`.
pub(crate) fn money(v: f64, currency: &str) -> String {
    if !v.is_finite() {
        return NONE.to_string();
    }
    format!("{} {}", num(v, 0), esc(currency))
}

/// A distance: metres below a kilometre, kilometres with two decimals above.
pub(crate) fn dist(m: f64) -> String {
    if !m.is_finite() {
        return NONE.to_string();
    }
    if m.abs() < 1000.0 {
        format!("{} m", num(m, 0))
    } else {
        format!("{} km", num(m / 1000.0, 2))
    }
}

/// Seconds of wall time: one decimal, whole seconds from 100 s up.
pub(crate) fn secs(s: f64) -> String {
    let decimals = if s.abs() >= 100.0 { 0 } else { 1 };
    format!("{} s", num(s, decimals))
}

/// An optional value through `f`, or the dash.
pub(crate) fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or_else(|| NONE.to_string(), f)
}

/// Prefixes a plus to a formatted change that is positive, so rises and falls read alike.
pub(crate) fn signed(delta: f64, formatted: String) -> String {
    let zero = !formatted.chars().any(|c| c.is_ascii_digit() && c != '0');
    if delta > 0.0 && !zero {
        format!("+{formatted}")
    } else {
        formatted
    }
}

/// Inserts a comma every three digits from the right of a string of digits.
fn group_digits(digits: &str) -> String {
    let n = digits.len();
    let mut out = String::with_capacity(n + n / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_markup_character() {
        assert_eq!(
            esc(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(esc("网点 A"), "网点 A");
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1000), "1,000");
        assert_eq!(int(1_234_567), "1,234,567");
        assert_eq!(num(-1234.56, 1), "-1,234.6");
        assert_eq!(num(999.5, 0), "1,000");
        assert_eq!(num(-0.04, 1), "0.0");
        assert_eq!(num(f64::NAN, 1), NONE);
    }

    #[test]
    fn formats_shares_money_and_distances() {
        assert_eq!(pct(0.4534), "45.3%");
        assert_eq!(pct(1.0), "100.0%");
        assert_eq!(money(1_250_000.4, "CNY"), "1,250,000 CNY");
        assert_eq!(money(5.0, "<X>"), "5 &lt;X&gt;");
        assert_eq!(dist(850.2), "850 m");
        assert_eq!(dist(12_345.0), "12.35 km");
        assert_eq!(qty(1234.4), "1,234");
        assert_eq!(qty(0.256), "0.26");
        assert_eq!(qty(0.0), "0");
        assert_eq!(secs(2.34), "2.3 s");
        assert_eq!(secs(123.4), "123 s");
        assert_eq!(opt(None, pct), NONE);
    }

    #[test]
    fn signs_only_real_rises() {
        assert_eq!(signed(3.0, int(3)), "+3");
        assert_eq!(signed(-3.0, num(-3.0, 0)), "-3");
        assert_eq!(signed(0.0001, num(0.0001, 1)), "0.0");
    }
}
