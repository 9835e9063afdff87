//! How hard the next challenge is for one client, and how long it lives. The
//! difficulty is the base, plus `POW_ADAPTIVE_STEP` bits per listing this client key
//! posted within `POW_ADAPTIVE_WINDOW_SECS` (counted in the database, so it holds
//! across instances), plus the country's extra bits, plus the site-wide surge
//! (`surge.rs`), capped at `POW_MAX_DIFFICULTY`. The parts travel to the client as
//! a [`Breakdown`] so it can say why a post takes longer; the token's MAC covers
//! only the capped total.
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::{surge::SurgeMeter, token::Difficulty};
use crate::{config::Config, country::CountryCode, country::CountryExtraBits, error::ApiResult};

/// A client's posts past this many are not counted (far above any useful step).
const RECENT_COUNT_CAP: i64 = 1000;

#[derive(Clone, Debug)]
pub struct DifficultyPolicy {
    pub base: f64,
    pub max: f64,
    pub step: f64,
    pub window_secs: u64,
    pub country_bits: CountryExtraBits,
    pub ttl: TtlPolicy,
}

/// The parts of a difficulty, before the cap (two decimals each).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Breakdown {
    pub base: f64,
    pub client: f64,
    pub country: f64,
    pub surge: f64,
}

/// One client's next challenge: the capped total, its parts, and the count behind
/// the client part.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Assessment {
    pub difficulty: Difficulty,
    pub breakdown: Breakdown,
    pub recent_posts: i64,
}

fn centi(bits: f64) -> f64 {
    (bits * 100.0).round() / 100.0
}

impl DifficultyPolicy {
    pub fn from_config(c: &Config) -> Self {
        Self {
            base: c.pow_difficulty(),
            max: c.pow_max_difficulty(),
            step: c.pow_adaptive_step,
            window_secs: c.pow_adaptive_window_secs,
            country_bits: c.pow_country_extra_bits.clone(),
            ttl: TtlPolicy::from_config(c),
        }
    }

    /// The difficulty for a client with `recent` listings in the window, from
    /// `country`, while the surge adds `surge_bits`.
    pub fn compute(
        &self,
        recent: i64,
        country: Option<CountryCode>,
        surge_bits: f64,
    ) -> Assessment {
        let breakdown = Breakdown {
            base: centi(self.base),
            client: centi(self.step * recent as f64),
            country: centi(self.country_bits.bits_for(country)),
            surge: centi(surge_bits),
        };
        let total = breakdown.base + breakdown.client + breakdown.country + breakdown.surge;
        Assessment {
            difficulty: Difficulty::new(total.min(self.max)),
            breakdown,
            recent_posts: recent,
        }
    }

    pub async fn for_client(
        &self,
        pool: &PgPool,
        surge: &SurgeMeter,
        ip_hash: &[u8],
        country: Option<CountryCode>,
    ) -> ApiResult<Assessment> {
        let recent = if self.window_secs == 0 {
            0
        } else {
            sqlx::query_scalar!(
                r#"SELECT count(*) AS "n!" FROM (
                       SELECT 1 FROM listings
                        WHERE ip_hash = $1 AND created_at > now() - make_interval(secs => $2)
                        LIMIT $3) recent"#,
                ip_hash,
                self.window_secs as f64,
                RECENT_COUNT_CAP
            )
            .fetch_one(pool)
            .await?
        };
        let surge_bits = surge.bits(pool).await?;
        Ok(self.compute(recent, country, surge_bits))
    }
}

/// A challenge lives three times its expected solve time on a slow device
/// (`POW_SLOW_HASH_RATE`, in the configured algorithm's attempts per second), within `POW_TTL_SECONDS..=POW_TTL_MAX_SECONDS`: long
/// enough that a slow phone finishes a hard challenge, short enough that a token
/// cannot be stockpiled for long.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TtlPolicy {
    pub min_secs: u64,
    pub max_secs: u64,
    pub slow_hash_rate: u64,
}

impl TtlPolicy {
    pub fn from_config(c: &Config) -> Self {
        Self {
            min_secs: c.pow_ttl_seconds,
            max_secs: c.pow_ttl_max_seconds,
            slow_hash_rate: c.pow_slow_hash_rate(),
        }
    }

    /// `min(max, max(min, ceil(3 * 2^difficulty / slow_hash_rate)))` seconds.
    pub fn ttl_secs(&self, difficulty: Difficulty) -> u64 {
        let slow_solve = 3.0 * difficulty.bits().exp2() / self.slow_hash_rate.max(1) as f64;
        // `as` saturates, so a huge product stays within u64 before the cap.
        (slow_solve.ceil() as u64)
            .max(self.min_secs)
            .min(self.max_secs.max(self.min_secs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> DifficultyPolicy {
        DifficultyPolicy {
            base: 22.0,
            max: 30.0,
            step: 1.0,
            window_secs: 3600,
            country_bits: "XX=2".parse().unwrap(),
            ttl: TtlPolicy {
                min_secs: 120,
                max_secs: 3600,
                slow_hash_rate: 1_500_000,
            },
        }
    }

    #[test]
    fn surcharges_add_up_and_are_capped() {
        let p = policy();
        let xx = CountryCode::parse("XX");
        assert_eq!(p.compute(0, None, 0.0).difficulty.bits(), 22.0);
        assert_eq!(p.compute(3, None, 0.0).difficulty.bits(), 25.0);
        assert_eq!(p.compute(3, xx, 0.0).difficulty.bits(), 27.0);
        assert_eq!(p.compute(3, xx, 0.5).difficulty.bits(), 27.5);
        let capped = p.compute(100, xx, 1.5);
        assert_eq!(capped.difficulty.bits(), 30.0);
        assert_eq!(
            capped.breakdown,
            Breakdown {
                base: 22.0,
                client: 100.0,
                country: 2.0,
                surge: 1.5
            }
        );
        assert_eq!(capped.recent_posts, 100);
    }

    #[test]
    fn lifetime_follows_the_difficulty_within_its_bounds() {
        let t = policy().ttl;
        // 3 * 2^22 / 1.5e6 = 8.4 s: the floor holds.
        assert_eq!(t.ttl_secs(Difficulty::new(22.0)), 120);
        // 3 * 2^26 / 1.5e6 = 134.2 s.
        assert_eq!(t.ttl_secs(Difficulty::new(26.0)), 135);
        // 3 * 2^28 / 1.5e6 = 536.9 s.
        assert_eq!(t.ttl_secs(Difficulty::new(28.0)), 537);
        // 3 * 2^30 / 1.5e6 = 2147.5 s.
        assert_eq!(t.ttl_secs(Difficulty::new(30.0)), 2148);
        assert_eq!(t.ttl_secs(Difficulty::new(40.0)), 3600);
        assert_eq!(t.ttl_secs(Difficulty::new(64.0)), 3600);
        let mut last = 0;
        for centi in 0..=6400 {
            let ttl = t.ttl_secs(Difficulty::new(f64::from(centi) / 100.0));
            assert!(ttl >= last && (120..=3600).contains(&ttl));
            last = ttl;
        }
    }
}
