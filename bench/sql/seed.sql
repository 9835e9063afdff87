-- BENCH_ROWS (one million by default) listings for `make bench`, inserted through the real schema (GIN and
-- keyset indexes, the statement-level count triggers): classified-ad style bodies of
-- 6..20 words drawn from a vocabulary with a skewed frequency (so some words are
-- common and some rare), names with initials, 50 000 distinct client hashes,
-- countries with a few unknown, created_at spread over the past year.
-- Deterministic (setseed) so every run searches the same data. Batches of 100 000.
\set ON_ERROR_STOP on
SELECT setseed(0.4242);
CREATE TEMP TABLE words AS SELECT string_to_array(
 'selling buying free wanted bicycle guitar piano sofa table chair lamp desk bed '
 'apartment room flat garden house garage parking car van truck scooter motorbike '
 'laptop phone tablet camera lens monitor keyboard printer speaker headphones '
 'jacket coat shoes boots dress shirt books novels records vinyl comics toys lego '
 'puppy kitten dog cat bird aquarium plants tomatoes honey eggs bread cake coffee '
 'lessons tutoring maths english spanish french german yoga running cycling chess '
 'band drummer singer bass violin choir theatre cinema concert tickets festival '
 'repair plumber electrician painter cleaning moving storage delivery babysitting '
 'lost found keys wallet umbrella glasses ring watch bag backpack passport '
 'new used vintage antique handmade cheap bargain excellent condition barely '
 'downtown north south east west station market harbour park library school '
 'monday tuesday wednesday thursday friday saturday sunday morning evening weekend '
 'call message email reply asap please thanks contact offer price negotiable '
 'red blue green black white yellow small large heavy light wooden metal', ' ') AS vocab,
 string_to_array(
 'Anna Ben Chloe David Emma Felix Grace Hugo Iris Jonas Kim Lena Marco Nora Oscar '
 'Paula Quinn Rosa Sam Tara Umar Vera Will Xenia Yusuf Zoe J.R. A.B. M.K. L.T. O.P.', ' ') AS names,
 -- Every fifth listing is Japanese, written without spaces, from its own skewed
 -- vocabulary: 自転車 (first, so about as frequent overall as `guitar`) is the
 -- bench's CJK query.
 string_to_array(
 '自転車 を 売ります 中古 東京 の ギター 新品 大阪 で ピアノ 机 椅子 冷蔵庫 '
 '探しています 格安 美品 駅前 週末 連絡 ください 京都 本 子供 服 猫 犬 '
 'レッスン 英語 料理', ' ') AS ja;

-- Word i of the vocabulary is drawn with probability falling off like a power law.
CREATE FUNCTION pg_temp.seed_batch(lo bigint, hi bigint, vocab text[], names text[], ja text[])
RETURNS void LANGUAGE sql AS $$
  INSERT INTO listings (body, created_at, ip_hash, country)
  SELECT
    CASE WHEN g % 5 = 0 THEN
      (SELECT string_agg(ja[1 + floor(cardinality(ja) * power(random(), 2.2))::int], '' ORDER BY k)
         FROM generate_series(1, 6 + (g % 15)::int) k)
    ELSE
    (SELECT string_agg(CASE WHEN k = 3 THEN names[1 + (g * 7) % cardinality(names)]
                            ELSE vocab[1 + floor(cardinality(vocab) * power(random(), 2.2))::int]
                       END, ' ' ORDER BY k)
       FROM generate_series(1, 6 + (g % 15)::int) k)
    END,
    now() - random() * interval '365 days',
    sha256(int8send(g % 50000)),
    (ARRAY['US','DE','FR','BR','IN','JP','GB','NL','ES','IT','PL','CA','AU','SE','MX',NULL])[1 + (g % 16)::int]
  FROM generate_series(lo, hi) g;
$$;
SELECT pg_temp.seed_batch(b, b + least(99999, :rows - b), vocab, names, ja)
  FROM words, generate_series(1, :rows, 100000) b;
VACUUM ANALYZE listings;
SELECT count(*) AS listings FROM listings;
