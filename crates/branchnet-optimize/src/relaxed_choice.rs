//! The shared part of the Lagrangian relaxations: the site choice (with the linking rows priced out, the
//! best `p` sites by their relaxed value, required ones always in and forbidden ones never).

/// Which relaxed values are best.
#[derive(Clone, Copy)]
pub(crate) enum Best {
    /// The most negative first (a minimisation's reduced costs).
    Smallest,
    /// The largest first (a maximisation's prices).
    Largest,
}

/// Per site: `Some(true)` required, `Some(false)` forbidden, `None` free, from `(lower, upper)` bounds.
pub(crate) fn fixed_sites(site_bounds: impl IntoIterator<Item = (f64, f64)>) -> Vec<Option<bool>> {
    site_bounds
        .into_iter()
        .map(|(lo, hi)| {
            if lo > 0.0 {
                Some(true)
            } else if hi == 0.0 {
                Some(false)
            } else {
                None
            }
        })
        .collect()
}

/// Marks the required sites and then the best free ones until `p` are chosen (ties to the lower index);
/// returns the sum of the chosen values.
pub(crate) fn choose_sites(
    values: &[f64],
    p: usize,
    fixed: &[Option<bool>],
    best: Best,
    chosen: &mut [bool],
) -> f64 {
    chosen.fill(false);
    let mut total = 0.0;
    let mut count = 0;
    for (j, f) in fixed.iter().enumerate() {
        if *f == Some(true) {
            chosen[j] = true;
            total += values[j];
            count += 1;
        }
    }
    let mut free: Vec<usize> = (0..values.len()).filter(|&j| fixed[j].is_none()).collect();
    let wanted = p.saturating_sub(count).min(free.len());
    if wanted > 0 {
        free.select_nth_unstable_by(wanted - 1, |&a, &b| {
            let order = values[a].total_cmp(&values[b]);
            match best {
                Best::Smallest => order,
                Best::Largest => order.reverse(),
            }
            .then(a.cmp(&b))
        });
        for &j in &free[..wanted] {
            chosen[j] = true;
            total += values[j];
        }
    }
    total
}
