"""How long the essay similarity check's arithmetic takes for N essays (no database, no files):
shingling, MinHash signatures, the LSH index and the exact Jaccard of the candidates.

    .venv/bin/python bench/calls_similarity.py --essays 500 --chars 3000

Essays are drawn from a fixed vocabulary of CJK characters; every tenth one copies half of the
essay before it, so there are candidates to confirm. Prints figures; asserts nothing.
"""

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--essays", type=int, default=500)
    parser.add_argument("--chars", type=int, default=3000)
    args = parser.parse_args()
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quizsite.settings")
    import django

    django.setup()
    from datasketch import MinHashLSH

    from calls import similarity

    rng = random.Random(18)
    vocabulary = [chr(0x4E00 + i) for i in range(3000)]
    texts = []
    for n in range(args.essays):
        text = "".join(rng.choice(vocabulary) for _ in range(args.chars))
        if n % 10 == 9:
            text = texts[-1][: args.chars // 2] + text[args.chars // 2 :]
        texts.append(text)
    started = time.perf_counter()
    sets = [similarity.shingles(text) for text in texts]
    shingled = time.perf_counter()
    signatures = [similarity.signature(s) for s in sets]
    signed = time.perf_counter()
    index = MinHashLSH(threshold=similarity.CANDIDATE_THRESHOLD, num_perm=similarity.PERMUTATIONS)
    for n, signature in enumerate(signatures):
        index.insert(n, signature)
    found = 0
    candidates = 0
    for n, signature in enumerate(signatures):
        for other in index.query(signature):
            if other > n:
                candidates += 1
                found += similarity.jaccard(sets[n], sets[other]) >= similarity.THRESHOLD
    done = time.perf_counter()
    print(f"{args.essays} essays × {args.chars} characters")
    print(f"shingling     {shingled - started:7.2f} s")
    print(f"MinHash       {signed - shingled:7.2f} s")
    print(f"LSH + Jaccard {done - signed:7.2f} s  ({candidates} candidates, {found} pairs kept)")
    print(f"total         {done - started:7.2f} s")


if __name__ == "__main__":
    main()
