//! Transverse Mercator on an ellipsoid, after Karney, "Transverse Mercator with an accuracy of a few
//! nanometers", J. Geodesy 85 (2011) 475–485, <https://doi.org/10.1007/s00190-011-0445-3>.
//!
//! The Krüger series in the third flattening `n` are taken to 6th order (Karney's eqs. 35–36). Truncating
//! there leaves an error of a few nanometres within 4,000 km of the central meridian, which is why the same
//! series are used by PROJ's `tmerc` (Poder/Engsager) and GeographicLib's `TransverseMercator`; the
//! exact-but-slow Lee/Thompson formulation is not needed anywhere near the distances branchnet works at.

/// WGS84 semi-major axis, metres.
pub(crate) const WGS84_A: f64 = 6_378_137.0;
/// WGS84 flattening.
pub(crate) const WGS84_F: f64 = 1.0 / 298.257_223_563;
/// GRS80 semi-major axis, metres (the CGCS2000 and ETRS89 ellipsoids; CGCS2000 differs from GRS80 only in
/// its flattening's 12th significant digit, far below a millimetre).
pub(crate) const GRS80_A: f64 = 6_378_137.0;
/// GRS80 flattening, as PROJ defines it (`rf = 298.257222101`).
pub(crate) const GRS80_F: f64 = 1.0 / 298.257_222_101;

/// How many Newton steps the inverse may take to recover latitude from conformal latitude. Two already
/// reach machine precision for any terrestrial latitude (Karney 2011, §2); the cap only guards against a
/// non-finite input spinning forever.
const MAX_NEWTON_STEPS: usize = 8;

/// Transverse Mercator on an ellipsoid (WGS84/GRS80), Krüger series to 6th order (Karney 2011), accurate to
/// well under 1 mm within 3,000 km of the central meridian.
///
/// Coordinates are longitude/latitude in degrees on the ellipsoid and easting/northing in metres. The
/// projection is conformal: the point scale [`scale_factor`](Self::scale_factor) is the same in every
/// direction, equal to `k0` on the central meridian and growing roughly as `1 + x² / 2R²` away from it.
///
/// ```
/// use branchnet_spatial::TransverseMercator;
///
/// // UTM zone 50N (EPSG:32650).
/// let utm50n = TransverseMercator::new(117.0, 0.0, 0.9996, 500_000.0, 0.0);
/// let (x, y) = utm50n.forward(114.3, 30.6);
/// let (lon, lat) = utm50n.inverse(x, y);
/// assert!((lon - 114.3).abs() < 1e-9 && (lat - 30.6).abs() < 1e-9);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TransverseMercator {
    /// Central meridian, degrees.
    lon0_deg: f64,
    /// Latitude of origin, degrees.
    lat0_deg: f64,
    /// Scale on the central meridian.
    k0: f64,
    /// Easting of the central meridian, metres.
    false_easting: f64,
    /// Northing at the latitude of origin on the central meridian, metres.
    false_northing: f64,
    /// First eccentricity.
    e: f64,
    /// `1 - e²`.
    one_minus_e2: f64,
    /// Semi-major axis, metres (needed for the scale factor).
    a: f64,
    /// `k0` times the rectifying radius `A`: northing per radian of rectifying latitude.
    k0_a_rect: f64,
    /// Krüger coefficients α₁..α₆ (conformal → rectifying, forward).
    alpha: [f64; 6],
    /// Krüger coefficients β₁..β₆ (rectifying → conformal, inverse).
    beta: [f64; 6],
    /// Unscaled northing of the latitude of origin on the central meridian, subtracted so that y equals
    /// `false_northing` there.
    y_origin: f64,
}

impl TransverseMercator {
    /// A transverse Mercator projection of the WGS84 ellipsoid.
    ///
    /// `lon0_deg` is the central meridian, `lat0_deg` the latitude of origin (where the central meridian has
    /// `y = false_northing`), `k0` the scale on the central meridian (0.9996 for UTM, 1 for Gauss-Krüger and
    /// for branchnet's own frames) and the false easting/northing are in metres.
    pub fn new(lon0_deg: f64, lat0_deg: f64, k0: f64, false_easting: f64, false_northing: f64) -> Self {
        Self::with_ellipsoid(
            WGS84_A,
            WGS84_F,
            lon0_deg,
            lat0_deg,
            k0,
            false_easting,
            false_northing,
        )
    }

    /// A transverse Mercator projection of any oblate ellipsoid given by its semi-major axis `a` (metres) and
    /// flattening `f` (e.g. `1.0 / 298.257222101` for GRS80); the other arguments are as in
    /// [`new`](Self::new).
    pub fn with_ellipsoid(
        a: f64,
        f: f64,
        lon0_deg: f64,
        lat0_deg: f64,
        k0: f64,
        false_easting: f64,
        false_northing: f64,
    ) -> Self {
        let n = f / (2.0 - f);
        let e2 = f * (2.0 - f);
        let (n2, n3) = (n * n, n * n * n);
        let (n4, n5, n6) = (n3 * n, n3 * n2, n3 * n3);
        // Rectifying radius, Karney (2011) eq. 14.
        let a_rect = a / (1.0 + n) * (1.0 + n2 / 4.0 + n4 / 64.0 + n6 / 256.0);
        // Karney (2011) eq. 35.
        let alpha = [
            n / 2.0 - 2.0 / 3.0 * n2 + 5.0 / 16.0 * n3 + 41.0 / 180.0 * n4 - 127.0 / 288.0 * n5
                + 7891.0 / 37800.0 * n6,
            13.0 / 48.0 * n2 - 3.0 / 5.0 * n3 + 557.0 / 1440.0 * n4 + 281.0 / 630.0 * n5
                - 1_983_433.0 / 1_935_360.0 * n6,
            61.0 / 240.0 * n3 - 103.0 / 140.0 * n4 + 15061.0 / 26880.0 * n5 + 167_603.0 / 181_440.0 * n6,
            49561.0 / 161_280.0 * n4 - 179.0 / 168.0 * n5 + 6_601_661.0 / 7_257_600.0 * n6,
            34729.0 / 80640.0 * n5 - 3_418_889.0 / 1_995_840.0 * n6,
            212_378_941.0 / 319_334_400.0 * n6,
        ];
        // Karney (2011) eq. 36.
        let beta = [
            n / 2.0 - 2.0 / 3.0 * n2 + 37.0 / 96.0 * n3 - 1.0 / 360.0 * n4 - 81.0 / 512.0 * n5
                + 96199.0 / 604_800.0 * n6,
            n2 / 48.0 + n3 / 15.0 - 437.0 / 1440.0 * n4 + 46.0 / 105.0 * n5 - 1_118_711.0 / 3_870_720.0 * n6,
            17.0 / 480.0 * n3 - 37.0 / 840.0 * n4 - 209.0 / 4480.0 * n5 + 5569.0 / 90720.0 * n6,
            4397.0 / 161_280.0 * n4 - 11.0 / 504.0 * n5 - 830_251.0 / 7_257_600.0 * n6,
            4583.0 / 161_280.0 * n5 - 108_847.0 / 3_991_680.0 * n6,
            20_648_693.0 / 638_668_800.0 * n6,
        ];
        let mut tm = Self {
            lon0_deg,
            lat0_deg,
            k0,
            false_easting,
            false_northing,
            e: e2.sqrt(),
            one_minus_e2: 1.0 - e2,
            a,
            k0_a_rect: k0 * a_rect,
            alpha,
            beta,
            y_origin: 0.0,
        };
        // The meridian distance of the origin through the same series, so that forward and inverse stay exact
        // inverses of each other rather than mixing two approximations of the meridian arc.
        tm.y_origin = tm.geodetic_to_rectifying(0.0, lat0_deg.to_radians()).0;
        tm
    }

    /// Central meridian, degrees.
    pub fn central_meridian_deg(&self) -> f64 {
        self.lon0_deg
    }

    /// Latitude of origin, degrees.
    pub fn origin_lat_deg(&self) -> f64 {
        self.lat0_deg
    }

    /// Projects a longitude/latitude (degrees) to easting/northing `(x, y)` in metres.
    pub fn forward(&self, lon_deg: f64, lat_deg: f64) -> (f64, f64) {
        let (xi, eta) = self.geodetic_to_rectifying(
            wrap_deg(lon_deg - self.lon0_deg).to_radians(),
            lat_deg.to_radians(),
        );
        (
            self.false_easting + self.k0_a_rect * eta,
            self.false_northing + self.k0_a_rect * (xi - self.y_origin),
        )
    }

    /// Unprojects easting/northing in metres back to `(longitude, latitude)` in degrees; longitude is
    /// normalised to [-180, 180].
    pub fn inverse(&self, x: f64, y: f64) -> (f64, f64) {
        let xi = (y - self.false_northing) / self.k0_a_rect + self.y_origin;
        let eta = (x - self.false_easting) / self.k0_a_rect;
        // Rectifying → conformal sphere, Karney (2011) eq. 11 with the β series.
        let (mut xi_c, mut eta_c) = (xi, eta);
        for (j, b) in self.beta.iter().enumerate() {
            let m = 2.0 * (j as f64 + 1.0);
            let (s, c) = (m * xi).sin_cos();
            xi_c -= b * s * (m * eta).cosh();
            eta_c -= b * c * (m * eta).sinh();
        }
        // Conformal sphere → ellipsoid, Karney (2011) eqs. 7 and 19–21.
        let (sin_xi, cos_xi) = xi_c.sin_cos();
        let sinh_eta = eta_c.sinh();
        let tau_c = sin_xi / sinh_eta.hypot(cos_xi);
        let lam = sinh_eta.atan2(cos_xi);
        let tau = self.tau_from_conformal(tau_c);
        (
            wrap_deg(self.lon0_deg + lam.to_degrees()),
            tau.atan().to_degrees(),
        )
    }

    /// The point scale factor `k` at a longitude/latitude (degrees): projected length over ellipsoidal length
    /// for a short segment there, the same in every direction because the projection is conformal.
    pub fn scale_factor(&self, lon_deg: f64, lat_deg: f64) -> f64 {
        let lam = wrap_deg(lon_deg - self.lon0_deg).to_radians();
        let phi = lat_deg.to_radians();
        let tau = phi.tan();
        let tau_c = self.conformal_tau(tau);
        let (sin_lam, cos_lam) = lam.sin_cos();
        let xi_c = tau_c.atan2(cos_lam);
        let eta_c = (sin_lam / tau_c.hypot(cos_lam)).asinh();
        // Karney (2011) eqs. 23–28: k = k0 · k' (ellipsoid → conformal sphere → Gauss-Schreiber TM) ·
        // k'' (the Krüger series' derivative, (A/a)·|p' + iq'|).
        let sin_phi = phi.sin();
        let k_sphere = (1.0 - (1.0 - self.one_minus_e2) * sin_phi * sin_phi).sqrt() * tau.hypot(1.0)
            / tau_c.hypot(cos_lam);
        let (mut p, mut q) = (1.0, 0.0);
        for (j, a) in self.alpha.iter().enumerate() {
            let m = 2.0 * (j as f64 + 1.0);
            let (s, c) = (m * xi_c).sin_cos();
            p += m * a * c * (m * eta_c).cosh();
            q += m * a * s * (m * eta_c).sinh();
        }
        self.k0_a_rect / self.a * k_sphere * p.hypot(q)
    }

    /// Longitude offset from the central meridian and latitude (radians) → unscaled rectifying coordinates
    /// `(ξ, η)` (Karney 2011, eqs. 7–11 with the α series); multiply by `k0·A` for metres.
    fn geodetic_to_rectifying(&self, lam: f64, phi: f64) -> (f64, f64) {
        let tau_c = self.conformal_tau(phi.tan());
        let (sin_lam, cos_lam) = lam.sin_cos();
        let xi_c = tau_c.atan2(cos_lam);
        let eta_c = (sin_lam / tau_c.hypot(cos_lam)).asinh();
        let (mut xi, mut eta) = (xi_c, eta_c);
        for (j, a) in self.alpha.iter().enumerate() {
            let m = 2.0 * (j as f64 + 1.0);
            let (s, c) = (m * xi_c).sin_cos();
            xi += a * s * (m * eta_c).cosh();
            eta += a * c * (m * eta_c).sinh();
        }
        (xi, eta)
    }

    /// tan of the conformal latitude from tan of the geodetic latitude (Karney 2011, eqs. 7–9). Written in
    /// tangents rather than angles because it stays accurate up to the pole, where `τ` is huge.
    fn conformal_tau(&self, tau: f64) -> f64 {
        let sigma = (self.e * (self.e * tau / tau.hypot(1.0)).atanh()).sinh();
        tau * sigma.hypot(1.0) - sigma * tau.hypot(1.0)
    }

    /// Inverse of [`conformal_tau`](Self::conformal_tau) by Newton's method (Karney 2011, eqs. 19–21).
    fn tau_from_conformal(&self, tau_c: f64) -> f64 {
        // The conformal latitude is smaller than the geodetic one by at most ~0.2°, so τ'/(1-e²) is a close
        // start from which Newton converges quadratically.
        let mut tau = tau_c / self.one_minus_e2;
        for _ in 0..MAX_NEWTON_STEPS {
            let tau_i = self.conformal_tau(tau);
            let slope =
                self.one_minus_e2 * tau_i.hypot(1.0) * tau.hypot(1.0) / (1.0 + self.one_minus_e2 * tau * tau);
            let step = (tau_c - tau_i) / slope;
            tau += step;
            // A non-finite step (NaN input) stops here too instead of burning the remaining iterations.
            if step.abs() <= 1e-15 * tau.abs().max(1.0) || !step.is_finite() {
                break;
            }
        }
        tau
    }
}

/// Wraps an angle in degrees to [-180, 180], leaving values already in range untouched so that no rounding is
/// introduced for the usual case.
fn wrap_deg(deg: f64) -> f64 {
    if (-180.0..=180.0).contains(&deg) {
        deg
    } else {
        let w = (deg + 180.0).rem_euclid(360.0) - 180.0;
        if w == -180.0 && deg > 0.0 { 180.0 } else { w }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_in_range_and_folds_the_rest() {
        assert_eq!(wrap_deg(10.0), 10.0);
        assert_eq!(wrap_deg(180.0), 180.0);
        assert_eq!(wrap_deg(-180.0), -180.0);
        assert_eq!(wrap_deg(190.0), -170.0);
        assert_eq!(wrap_deg(-190.0), 170.0);
        assert_eq!(wrap_deg(540.0), 180.0);
    }

    #[test]
    fn scale_is_k0_on_the_central_meridian() {
        let tm = TransverseMercator::new(117.0, 0.0, 0.9996, 500_000.0, 0.0);
        for lat in [-80.0, -30.0, 0.0, 30.6, 60.0, 84.0] {
            assert!((tm.scale_factor(117.0, lat) - 0.9996).abs() < 1e-12, "lat {lat}");
        }
    }
}
