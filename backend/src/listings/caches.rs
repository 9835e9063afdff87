//! Everything this instance caches from the listings table, dropped together when a
//! listing changes: at once by the instance that changed it, on every other instance
//! by the `powboard_listings` notification (`notify`, started in `upkeep`). Here,
//! beside the listings, rather than in the state: the state only hands it out.
use std::sync::Arc;

use super::front_page::FrontPageCache;
use crate::{pow::PowSettings, stats::StatsCache};

#[derive(Clone)]
pub struct ListingCaches {
    stats: Arc<StatsCache>,
    front_page: Arc<FrontPageCache>,
    pow: Arc<PowSettings>,
}

impl ListingCaches {
    pub fn new(
        stats: Arc<StatsCache>,
        front_page: Arc<FrontPageCache>,
        pow: Arc<PowSettings>,
    ) -> Self {
        Self {
            stats,
            front_page,
            pow,
        }
    }

    pub fn invalidate(&self) {
        self.stats.invalidate();
        self.front_page.invalidate();
        self.pow.surge.invalidate();
    }
}
