//! Readers for OR-Library benchmark files (Beasley), so tests and benchmarks read them one way.

use std::path::Path;

use crate::{Costs, OptimizeError};

/// An OR-Library p-median instance (`pmed1`–`pmed40`, Beasley 1985): every vertex is a client and a candidate.
#[derive(Debug, Clone)]
pub struct PMedianInstance {
    /// Vertices.
    pub n: usize,
    /// Medians to open.
    pub p: usize,
    /// All-pairs shortest-path costs, n × n.
    pub costs: Costs,
}

/// Reads `pmedN.txt`: `n edges p`, then `a b cost` per edge. Costs are all-pairs shortest paths over the
/// undirected graph; where an edge repeats, its last cost wins (Beasley's rule, which the published optima
/// assume — even when the last is longer).
///
/// # Errors
/// A file that cannot be read or is not in this format.
pub fn read_pmed(path: &Path) -> Result<PMedianInstance, OptimizeError> {
    let bad = |why: String| OptimizeError::Reference(format!("{}: {why}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let mut numbers = text.split_whitespace().map(|t| t.parse::<f64>());
    let mut next = |what: &str| match numbers.next() {
        Some(Ok(v)) => Ok(v),
        Some(Err(e)) => Err(bad(format!("{what}: {e}"))),
        None => Err(bad(format!("ends before {what}"))),
    };
    let (n, edges, p) = (next("n")? as usize, next("edges")? as usize, next("p")? as usize);
    let mut d = vec![f64::INFINITY; n * n];
    for i in 0..n {
        d[i * n + i] = 0.0;
    }
    for _ in 0..edges {
        let (a, b, c) = (
            next("edge start")? as usize,
            next("edge end")? as usize,
            next("edge cost")?,
        );
        if a == 0 || b == 0 || a > n || b > n {
            return Err(bad(format!("edge {a}–{b} names a vertex outside 1..={n}")));
        }
        d[(a - 1) * n + (b - 1)] = c;
        d[(b - 1) * n + (a - 1)] = c;
    }
    floyd_warshall(&mut d, n);
    let costs = Costs::from_triples(n, n, (0..n * n).map(|k| (k / n, k % n, d[k])))?;
    Ok(PMedianInstance { n, p, costs })
}

/// All-pairs shortest paths in place over a row-major n × n matrix.
fn floyd_warshall(d: &mut [f64], n: usize) {
    for k in 0..n {
        let via_k: Vec<f64> = d[k * n..(k + 1) * n].to_vec();
        for i in 0..n {
            let dik = d[i * n + k];
            if dik.is_infinite() {
                continue;
            }
            for (dij, dkj) in d[i * n..(i + 1) * n].iter_mut().zip(&via_k) {
                let via = dik + dkj;
                if via < *dij {
                    *dij = via;
                }
            }
        }
    }
}

/// The optimum listed for `instance` in a two-column `name value` file such as `pmedopt.txt`.
///
/// # Errors
/// The file cannot be read or does not list the instance.
pub fn listed_optimum(path: &Path, instance: &str) -> Result<f64, OptimizeError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| OptimizeError::Reference(format!("{}: {e}", path.display())))?;
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            Some((f.next()?, f.next()?.parse::<f64>().ok()?))
        })
        .find(|(name, _)| *name == instance)
        .map(|(_, v)| v)
        .ok_or_else(|| OptimizeError::Reference(format!("{} does not list {instance}", path.display())))
}
