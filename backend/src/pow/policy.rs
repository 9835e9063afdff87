//! How hard the next challenge is for one client: the base difficulty, plus
//! `POW_ADAPTIVE_STEP` bits per listing this client key posted within
//! `POW_ADAPTIVE_WINDOW_SECS` (counted in the database, so it holds across
//! instances), plus the country's extra bits, capped at `POW_MAX_DIFFICULTY`.
use sqlx::PgPool;

use super::token::Difficulty;
use crate::{config::Config, country::CountryCode, country::CountryExtraBits, error::ApiResult};

#[derive(Clone, Debug)]
pub struct DifficultyPolicy {
    pub base: f64,
    pub max: f64,
    pub step: f64,
    pub window_secs: u64,
    pub country_bits: CountryExtraBits,
}

impl DifficultyPolicy {
    pub fn from_config(c: &Config) -> Self {
        Self {
            base: c.pow_difficulty,
            max: c.pow_max_difficulty,
            step: c.pow_adaptive_step,
            window_secs: c.pow_adaptive_window_secs,
            country_bits: c.pow_country_extra_bits.clone(),
        }
    }

    /// The difficulty for a client with `recent` listings in the window.
    pub fn compute(&self, recent: i64, country: Option<CountryCode>) -> Difficulty {
        let bits = self.base + self.step * recent as f64 + self.country_bits.bits_for(country);
        Difficulty::new(bits.min(self.max))
    }

    /// Listings past this many cannot raise the difficulty further (the cap).
    fn useful_count(&self) -> i64 {
        if self.step <= 0.0 || self.window_secs == 0 {
            return 0;
        }
        ((self.max - self.base) / self.step).ceil().max(0.0) as i64
    }

    pub async fn for_client(
        &self,
        pool: &PgPool,
        ip_hash: &[u8],
        country: Option<CountryCode>,
    ) -> ApiResult<Difficulty> {
        let limit = self.useful_count();
        let recent = if limit == 0 {
            0
        } else {
            sqlx::query_scalar!(
                r#"SELECT count(*) AS "n!" FROM (
                       SELECT 1 FROM listings
                        WHERE ip_hash = $1 AND created_at > now() - make_interval(secs => $2)
                        LIMIT $3) recent"#,
                ip_hash,
                self.window_secs as f64,
                limit
            )
            .fetch_one(pool)
            .await?
        };
        Ok(self.compute(recent, country))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surcharges_add_up_and_are_capped() {
        let p = DifficultyPolicy {
            base: 22.0,
            max: 30.0,
            step: 1.0,
            window_secs: 3600,
            country_bits: "XX=2".parse().unwrap(),
        };
        assert_eq!(p.compute(0, None).bits(), 22.0);
        assert_eq!(p.compute(3, None).bits(), 25.0);
        assert_eq!(p.compute(3, CountryCode::parse("XX")).bits(), 27.0);
        assert_eq!(p.compute(100, CountryCode::parse("XX")).bits(), 30.0);
        assert_eq!(p.useful_count(), 8);
    }
}
