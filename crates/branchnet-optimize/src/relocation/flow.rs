//! Routing served load to site capacities: Dinic's max-flow on zones → sites, and the violated Hall sets
//! of an overloaded plan, read off the minimum cut.

use std::collections::VecDeque;

use super::model::Cut;

/// Load routed by the flow, per zone, and the edges that carry it.
pub(super) struct Routing {
    /// Load routed out of each zone.
    pub routed: Vec<f64>,
    /// `(zone, site, load)` for every edge that carries load.
    pub flows: Vec<(u32, u32, f64)>,
    /// Violated Hall sets, one per connected part of the cut's source side.
    pub cuts: Vec<Cut>,
}

struct Edge {
    to: usize,
    cap: f64,
}

/// A flow network with paired residual edges (edge `k ^ 1` is the reverse of edge `k`).
struct Network {
    edges: Vec<Edge>,
    out: Vec<Vec<usize>>,
}

impl Network {
    fn new(nodes: usize) -> Self {
        Self {
            edges: Vec::new(),
            out: vec![Vec::new(); nodes],
        }
    }

    fn add(&mut self, from: usize, to: usize, cap: f64) -> usize {
        let k = self.edges.len();
        self.edges.push(Edge { to, cap });
        self.edges.push(Edge { to: from, cap: 0.0 });
        self.out[from].push(k);
        self.out[to].push(k + 1);
        k
    }

    fn levels(&self, source: usize, eps: f64) -> Vec<u32> {
        let mut level = vec![u32::MAX; self.out.len()];
        level[source] = 0;
        let mut queue = VecDeque::from([source]);
        while let Some(v) = queue.pop_front() {
            for &k in &self.out[v] {
                let e = &self.edges[k];
                if e.cap > eps && level[e.to] == u32::MAX {
                    level[e.to] = level[v] + 1;
                    queue.push_back(e.to);
                }
            }
        }
        level
    }

    /// Dinic's algorithm; capacities below `eps` count as saturated.
    fn max_flow(&mut self, source: usize, sink: usize, eps: f64) -> f64 {
        let mut total = 0.0;
        loop {
            let level = self.levels(source, eps);
            if level[sink] == u32::MAX {
                return total;
            }
            let mut next = vec![0usize; self.out.len()];
            loop {
                let pushed = self.augment(source, sink, f64::INFINITY, &level, &mut next, eps);
                if pushed <= eps {
                    break;
                }
                total += pushed;
            }
        }
    }

    /// One blocking-flow path search, iterative so deep networks cannot overflow the stack.
    fn augment(
        &mut self,
        source: usize,
        sink: usize,
        limit: f64,
        level: &[u32],
        next: &mut [usize],
        eps: f64,
    ) -> f64 {
        let mut path: Vec<usize> = Vec::new();
        let mut v = source;
        loop {
            if v == sink {
                let pushed = path.iter().fold(limit, |m, &k| m.min(self.edges[k].cap));
                for &k in &path {
                    self.edges[k].cap -= pushed;
                    self.edges[k ^ 1].cap += pushed;
                }
                return pushed;
            }
            let mut advanced = false;
            while next[v] < self.out[v].len() {
                let k = self.out[v][next[v]];
                let e = &self.edges[k];
                if e.cap > eps && level[e.to] == level[v] + 1 {
                    path.push(k);
                    v = e.to;
                    advanced = true;
                    break;
                }
                next[v] += 1;
            }
            if !advanced {
                // Dead end: retreat and never try this node's exhausted edges again in this phase.
                match path.pop() {
                    Some(k) => {
                        v = self.edges[k ^ 1].to;
                        next[v] += 1;
                    }
                    None => return 0.0,
                }
            }
        }
    }
}

/// Routes `supply[q]` (the served load of zone `q`) over `reach[q]` to sites of capacity `capacity[s]`
/// (0 for closed sites, infinite when unlimited).
pub(super) fn route(supply: &[f64], reach: &[&[u32]], capacity: &[f64]) -> Routing {
    let n_zones = supply.len();
    let n_sites = capacity.len();
    let source = n_zones + n_sites;
    let sink = source + 1;
    let total: f64 = supply.iter().sum();
    let eps = 1e-9 * total.max(1.0);
    let mut net = Network::new(sink + 1);
    let mut zone_edges: Vec<Vec<(u32, usize)>> = vec![Vec::new(); n_zones];
    for q in 0..n_zones {
        if supply[q] <= 0.0 {
            continue;
        }
        net.add(source, q, supply[q]);
        for &s in reach[q] {
            if capacity[s as usize] > 0.0 {
                let k = net.add(q, n_zones + s as usize, f64::INFINITY);
                zone_edges[q].push((s, k));
            }
        }
    }
    for (s, &cap) in capacity.iter().enumerate() {
        if cap > 0.0 {
            net.add(n_zones + s, sink, cap);
        }
    }
    let flow = net.max_flow(source, sink, eps);
    let mut routed = vec![0.0; n_zones];
    let mut flows = Vec::new();
    for (q, edges) in zone_edges.iter().enumerate() {
        for &(s, k) in edges {
            // The reverse edge's capacity is the flow carried.
            let carried = net.edges[k ^ 1].cap;
            if carried > eps {
                routed[q] += carried;
                flows.push((q as u32, s, carried));
            }
        }
    }
    let cuts = if flow < total - 1e-7 * total.max(1.0) {
        hall_sets(&net, source, reach, supply, capacity, eps)
    } else {
        Vec::new()
    };
    Routing { routed, flows, cuts }
}

/// The zones left on the source side of the minimum cut, split into parts that share no site; each part
/// whose load exceeds what its sites can take is a violated Hall set.
fn hall_sets(
    net: &Network,
    source: usize,
    reach: &[&[u32]],
    supply: &[f64],
    capacity: &[f64],
    eps: f64,
) -> Vec<Cut> {
    let n_zones = supply.len();
    let level = net.levels(source, eps);
    let on_source_side: Vec<usize> = (0..n_zones).filter(|&q| level[q] != u32::MAX).collect();
    // Union-find over zones through the sites they reach.
    let mut parent: Vec<usize> = (0..n_zones).collect();
    fn find(parent: &mut [usize], mut a: usize) -> usize {
        while parent[a] != a {
            parent[a] = parent[parent[a]];
            a = parent[a];
        }
        a
    }
    let mut owner: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    for &q in &on_source_side {
        for &s in reach[q] {
            match owner.get(&s) {
                Some(&other) => {
                    let (a, b) = (find(&mut parent, q), find(&mut parent, other));
                    parent[a] = b;
                }
                None => {
                    owner.insert(s, q);
                }
            }
        }
    }
    let mut parts: std::collections::BTreeMap<usize, Vec<u32>> = std::collections::BTreeMap::new();
    for &q in &on_source_side {
        if supply[q] > 0.0 {
            let root = find(&mut parent, q);
            parts.entry(root).or_default().push(q as u32);
        }
    }
    parts
        .into_values()
        .map(|zones| {
            let mut sites: Vec<u32> = zones
                .iter()
                .flat_map(|&q| reach[q as usize].iter().copied())
                .collect();
            sites.sort_unstable();
            sites.dedup();
            Cut { zones, sites }
        })
        .filter(|cut| {
            let load: f64 = cut.zones.iter().map(|&q| supply[q as usize]).sum();
            let cap: f64 = cut.sites.iter().map(|&s| capacity[s as usize]).sum();
            load > cap + 1e-7 * load.max(1.0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_within_capacity_and_finds_the_overloaded_set() {
        // Zones 0 and 1 reach only site 0 (capacity 5); zone 2 reaches sites 0 and 1 (capacity 10).
        let reach: Vec<&[u32]> = vec![&[0], &[0], &[0, 1]];
        let routing = route(&[3.0, 4.0, 6.0], &reach, &[5.0, 10.0]);
        let routed: f64 = routing.routed.iter().sum();
        assert!((routed - 11.0).abs() < 1e-9, "routed {routed}");
        assert_eq!(routing.cuts.len(), 1);
        assert_eq!(routing.cuts[0].zones, vec![0, 1]);
        assert_eq!(routing.cuts[0].sites, vec![0]);
    }

    #[test]
    fn a_routable_plan_has_no_cut() {
        let reach: Vec<&[u32]> = vec![&[0, 1], &[1]];
        let routing = route(&[5.0, 5.0], &reach, &[5.0, 5.0]);
        assert!(routing.cuts.is_empty());
        assert!((routing.routed[0] - 5.0).abs() < 1e-9 && (routing.routed[1] - 5.0).abs() < 1e-9);
        assert!(routing.flows.contains(&(0, 0, 5.0)));
    }
}
