-- GET /api/listings/count on a cache miss: backend/src/stats.rs StatsCache::get().
SELECT nullif(country, '') AS country, sum(visible)::bigint AS count
  FROM listing_counts GROUP BY country HAVING sum(visible) > 0
 ORDER BY 2 DESC, 1;
