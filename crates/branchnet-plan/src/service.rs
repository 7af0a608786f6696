//! The service level in the layout's terms: the counter load a branch with `c` counters can take while
//! the share of its customers waiting over the threshold stays at the target (Erlang C, M/M/c).

use branchnet_score::queue::wait_exceeds;

use crate::config::ServiceLevelConfig;

impl ServiceLevelConfig {
    /// Counter arrivals per busy hour from a yearly load (units of the counter-demand column).
    pub fn arrivals_per_hour(&self, load: f64) -> f64 {
        load * self.visits_per_unit_year * self.peak_factor
            / (self.opening_hours_per_day * self.opening_days_per_year)
    }

    /// Offered load in Erlangs from a yearly load.
    pub fn offered(&self, load: f64) -> f64 {
        self.arrivals_per_hour(load) * self.service_min / 60.0
    }

    /// Share of counter customers waiting over the threshold at `counters` counters under `load`.
    pub fn share_waiting_too_long(&self, counters: u32, load: f64) -> f64 {
        if load <= 0.0 {
            return 0.0;
        }
        if counters == 0 {
            return 1.0;
        }
        wait_exceeds(counters, self.offered(load), self.service_min, self.threshold_min)
    }

    /// The largest yearly load `counters` counters take with at most `target-share` waiting too long
    /// (bisection on the monotone Erlang-C tail; 0 without counters).
    pub fn capacity(&self, counters: u32) -> f64 {
        if counters == 0 {
            return 0.0;
        }
        // The offered load stays below the counters; find the load at which it would equal them.
        let per_erlang = self.offered(1.0);
        let mut hi = f64::from(counters) / per_erlang;
        let mut lo = 0.0;
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if self.share_waiting_too_long(counters, mid) <= self.target_share {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Checks the parameters.
    ///
    /// # Errors
    /// The first unusable key and why.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        let positive = [
            ("service-level.visits-per-unit-year", self.visits_per_unit_year),
            ("service-level.peak-factor", self.peak_factor),
            ("service-level.opening-hours-per-day", self.opening_hours_per_day),
            ("service-level.opening-days-per-year", self.opening_days_per_year),
            ("service-level.service-min", self.service_min),
        ];
        for (key, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return Err((key, format!("expected a positive number, found {v}")));
            }
        }
        if !(self.threshold_min.is_finite() && self.threshold_min >= 0.0) {
            return Err(("service-level.threshold-min", "expected minutes ≥ 0".into()));
        }
        if !(self.target_share > 0.0 && self.target_share < 1.0) {
            return Err((
                "service-level.target-share",
                format!(
                    "expected a share between 0 and 1 (exclusive), found {}",
                    self.target_share
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_meets_the_target_exactly() {
        let sl = ServiceLevelConfig::default();
        for counters in [1, 2, 4, 9] {
            let cap = sl.capacity(counters);
            let at = sl.share_waiting_too_long(counters, cap);
            let above = sl.share_waiting_too_long(counters, cap * 1.001);
            assert!(
                at <= sl.target_share + 1e-9 && above > sl.target_share,
                "{counters}: {at} {above}"
            );
        }
        // More counters take more than proportionally more load (pooling).
        assert!(sl.capacity(4) > 2.0 * sl.capacity(2));
    }

    #[test]
    fn one_counter_by_hand() {
        // M/M/1: P(W > t) = ρ·exp(−(1 − ρ)·t/s). With s = 6, t = 15 and the target 0.1, ρ solves
        // ρ·exp(−2.5(1 − ρ)) = 0.1: ρ = 0.42306 (bisection by hand: 0.4230·e^−1.4425 < 0.1 < 0.4231·e^−1.44225).
        let sl = ServiceLevelConfig::default();
        let rho = sl.offered(sl.capacity(1));
        assert!((rho - 0.42306).abs() < 1e-4, "{rho}");
        let tail = rho * (-(1.0 - rho) * 15.0 / 6.0).exp();
        assert!((tail - 0.1).abs() < 1e-9, "{rho} {tail}");
    }
}
