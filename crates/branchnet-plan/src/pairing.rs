//! Which moved branch goes to which relocation target: a minimum-total-distance assignment (the Hungarian
//! method with potentials, O(n³)), so that moves are as short as the layout allows.

/// The assignment of rows to columns of a square `cost` matrix (row-major, `n × n`) of least total cost:
/// `result[row] = column`.
///
/// # Panics
/// When `cost.len()` is not `n²`.
pub fn assign(cost: &[f64], n: usize) -> Vec<usize> {
    assert_eq!(cost.len(), n * n, "assign: a square matrix");
    if n == 0 {
        return Vec::new();
    }
    // Jonker-style shortest augmenting paths with row potentials u and column potentials v (1-based, with
    // column 0 as the virtual start).
    let inf = f64::INFINITY;
    let mut u = vec![0.0; n + 1];
    let mut v = vec![0.0; n + 1];
    let mut row_of = vec![0usize; n + 1];
    let mut way = vec![0usize; n + 1];
    for row in 1..=n {
        row_of[0] = row;
        let mut col0 = 0;
        let mut min_to = vec![inf; n + 1];
        let mut used = vec![false; n + 1];
        loop {
            used[col0] = true;
            let r = row_of[col0];
            let mut delta = inf;
            let mut next = 0;
            for c in 1..=n {
                if !used[c] {
                    let reduced = cost[(r - 1) * n + (c - 1)] - u[r] - v[c];
                    if reduced < min_to[c] {
                        min_to[c] = reduced;
                        way[c] = col0;
                    }
                    if min_to[c] < delta {
                        delta = min_to[c];
                        next = c;
                    }
                }
            }
            for c in 0..=n {
                if used[c] {
                    u[row_of[c]] += delta;
                    v[c] -= delta;
                } else {
                    min_to[c] -= delta;
                }
            }
            col0 = next;
            if row_of[col0] == 0 {
                break;
            }
        }
        loop {
            let prev = way[col0];
            row_of[col0] = row_of[prev];
            col0 = prev;
            if col0 == 0 {
                break;
            }
        }
    }
    let mut result = vec![0usize; n];
    for c in 1..=n {
        if row_of[c] > 0 {
            result[row_of[c] - 1] = c - 1;
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_total_by_hand() {
        // The classic 3 × 3: rows take columns 1, 0, 2 for 2 + 1 + 2 = 5 (every other permutation costs more).
        let cost = [4.0, 2.0, 8.0, 1.0, 3.0, 7.0, 3.0, 1.0, 2.0];
        let a = assign(&cost, 3);
        assert_eq!(a, vec![1, 0, 2]);
        // Brute force agrees on the total.
        let perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
        let best = perms
            .iter()
            .map(|p| (0..3).map(|r| cost[r * 3 + p[r]]).sum::<f64>())
            .fold(f64::INFINITY, f64::min);
        let total: f64 = (0..3).map(|r| cost[r * 3 + a[r]]).sum();
        assert_eq!(total, best);
    }
}
