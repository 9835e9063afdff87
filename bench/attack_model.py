"""The attack simulation's loop as arithmetic, for rates this machine cannot give it:
every post costs exactly 2^difficulty attempts at H attempts/s, the bots take their
1000 keys in turn, the surge counts the posts of the last window (no buckets, no
cache). Both algorithms side by side, each with its server defaults and rates:
sha256 in hashes (base 22, cap 30), equix in Equi-X solves (base 4, cap 12).
    python3 bench/attack_model.py [sha256|equix H attempts/s ...]"""
import collections
import math
import sys


def run(H, step=0.1, baseline=3.0, window=600, max_bits=3.8, secs=600, keys=1000,
        honest_posts=(30, 330), browser=2 ** 22 / 0.577, base=22.0, cap=30.0):
    t, posts, per_key, n = 0.0, collections.deque(), [0] * keys, 0

    def surge(now):
        while posts and posts[0] <= now - window:
            posts.popleft()
        c = len(posts) + sum(1 for h in honest_posts if now - window < h <= now)
        return 0.0 if baseline <= 0 or c == 0 else min(max(math.log2(c / baseline), 0.0), max_bits)

    while True:
        k = n % keys
        t += 2 ** min(base + step * per_key[k] + surge(t), cap) / H
        if t > secs:
            break
        posts.append(t)
        per_key[k] += 1
        n += 1
    honest = min(base + surge(secs) + step * sum(h <= secs for h in honest_posts), cap)
    return n, 2 ** honest / browser


# Per algorithm: server defaults, the browser's attempts/s (make bench-solver), and
# the bot rates to model (2 native cores here: SHA-256 14.3 M hashes/s per core,
# Equi-X 148 solves/s per thread with the JIT; a starved machine for SHA-256).
ALGORITHMS = {
    "sha256": {"base": 22.0, "cap": 30.0, "browser": 2 ** 22 / 0.577, "rates": [2e6, 28.6e6]},
    "equix": {"base": 4.0, "cap": 12.0, "browser": 2 * 14.0, "rates": [296.0]},
}

if __name__ == "__main__":
    args = sys.argv[1:]
    picks = ([(args[i], float(args[i + 1])) for i in range(0, len(args) - 1, 2)] if args else
             [(a, H) for a, v in ALGORITHMS.items() for H in v["rates"]])
    for alg, H in picks:
        a = ALGORITHMS[alg]
        for baseline in (3.0, 2.0):
            kw = {"base": a["base"], "cap": a["cap"], "browser": a["browser"]}
            off, _ = run(H, baseline=0, **kw)
            on, wait = run(H, baseline=baseline, **kw)
            print(f"{alg} at {H:.4g} attempts/s, POW_SURGE_BASELINE={baseline:g}: off {off}, on {on} "
                  f"({on / off:.3f}x), honest wait at the end {wait:.1f} s")
