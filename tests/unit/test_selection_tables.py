"""Mixed tables: more mixed than random seating on the same-category-pairs measure; World Café
rotation keeps people who already met apart."""

from collections import Counter

import numpy as np
import pytest

from server.selection.synthetic import synthetic_pool
from server.selection.tables import Seated, assign_tables, repeated_pairs, rotate, same_category_pairs


def _people(n, seed=5):
    return [Seated(c.id, c.categories) for c in synthetic_pool(n, seed)]


def _random_tables(people, size, rng):
    ids = [p.id for p in people]
    rng.shuffle(ids)
    groups = -(-len(ids) // size)
    return [ids[i::groups] for i in range(groups)]


@pytest.mark.parametrize(("n", "size"), [(60, 6), (37, 5), (24, 8)])
def test_tables_are_more_mixed_than_random_seating(n, size):
    people = _people(n)
    tables = assign_tables(people, size, seed="x")
    assert sorted(i for t in tables for i in t) == sorted(p.id for p in people)
    lengths = [len(t) for t in tables]
    assert max(lengths) <= size and max(lengths) - min(lengths) <= 1
    rng = np.random.default_rng(0)
    random = [same_category_pairs(_random_tables(people, size, rng), people) for _ in range(50)]
    ours = same_category_pairs(tables, people)
    assert ours < min(random)  # better than the best of 50 random seatings
    assert ours < 0.95 * np.mean(random)


def test_same_seed_same_tables():
    people = _people(30)
    assert assign_tables(people, 6, "a") == assign_tables(people, 6, "a")


def test_rotation_avoids_repeat_pairs():
    people = _people(36)
    rounds = rotate(people, 6, 3, seed="cafe")
    met: Counter = Counter()
    repeats = 0
    for tables in rounds:
        repeats += repeated_pairs(tables, met)
        for t in tables:
            met.update(frozenset((a, b)) for i, a in enumerate(t) for b in t[i + 1:])
    rng = np.random.default_rng(1)
    random_repeats = []
    for _ in range(20):
        seen: Counter = Counter()
        total = 0
        for _ in range(3):
            tables = _random_tables(people, 6, rng)
            total += repeated_pairs(tables, seen)
            for t in tables:
                seen.update(frozenset((a, b)) for i, a in enumerate(t) for b in t[i + 1:])
        random_repeats.append(total)
    assert repeats == 0 < min(random_repeats)
