"""The attack simulation's loop as arithmetic, for rates this machine cannot give it:
every post costs exactly 2^difficulty hashes at H hashes/s, the bots take their 1000
keys in turn, the surge counts the posts of the last window (no buckets, no cache).
    python3 bench/attack_model.py [H hashes/s ...]"""
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


if __name__ == "__main__":
    for H in [float(a) for a in sys.argv[1:]] or [2e6, 28.6e6]:
        for baseline in (3.0, 2.0):
            off, _ = run(H, baseline=0)
            on, wait = run(H, baseline=baseline)
            print(f"{H / 1e6:.1f} MH/s, POW_SURGE_BASELINE={baseline:g}: off {off}, on {on} "
                  f"({on / off:.3f}x), honest wait at the end {wait:.1f} s")
