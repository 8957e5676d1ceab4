"""Compiled search kernels: connected k-partitions of a graph of at most 63 units, as 64-bit unit masks.

A partition is listed once, in canonical order: part 0 holds unit 0 and each next part holds the lowest
unit not yet placed; the last part is the connected remainder. Parts are grown by the include/exclude
frontier recursion (every connected set containing a root exactly once), with population bounds that
prune while growing. Masks are int64 (bit i = unit i; n <= 63 keeps them non-negative).

Balance may be judged on several measures at once (residents, children, ...): ``pop`` is (n, m), one column per
measure, and ``bounds`` is (m, 5), one row [k, P, tol, lower, upper] per measure: a part with totals s fits when
|k·s_m − P_m| <= tol_m for every measure m (exactly analysis.metrics.population.within_tolerance per measure,
tol = d·P·(1 + 1e−12), or inf without bounds); ``lower``/``upper`` are slightly widened part limits used only to
prune remainders.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

K, TOTAL, TOL, LOWER, UPPER = 0, 1, 2, 3, 4


STATUS_DONE, STATUS_BUDGET = 0, 1
"""Kernel outcomes: finished, or stopped because the node budget ran out."""


@njit(cache=True, inline="always")
def _fits(s, bounds):
    for m in range(bounds.shape[0]):
        if abs(bounds[m, K] * s[m] - bounds[m, TOTAL]) > bounds[m, TOL]:
            return False
    return True


@njit(cache=True, inline="always")
def _too_big(s, bounds):
    for m in range(bounds.shape[0]):
        if bounds[m, K] * s[m] - bounds[m, TOTAL] > bounds[m, TOL]:
            return True
    return False


@njit(cache=True, inline="always")
def _add_row(out, base, row):
    """out[:] = base + row, without allocating."""
    for m in range(out.shape[0]):
        out[m] = base[m] + row[m]


@njit(cache=True, inline="always")
def _two_or_more(mask):
    return (mask & (mask - 1)) != 0


@njit(cache=True)
def _component(seed, within, nb, pop, total):
    """The connected component of ``within`` containing ``seed`` (a one-bit mask) and its size; its totals per
    measure are written to ``total``."""
    comp = seed
    frontier = seed
    total[:] = 0.0
    size = 0
    while frontier != 0:
        grown = np.int64(0)
        f = frontier
        while f != 0:
            i = trailing_zeros(f)
            grown |= nb[i]
            for m in range(pop.shape[1]):
                total[m] += pop[i, m]
            size += 1
            f &= f - 1
        frontier = grown & within & ~comp
        comp |= frontier
    return comp, size


@njit(cache=True)
def _remainder_check(rem, excluded, parts_left, nb, pop, bounds, together, apart):
    """Whether the units ``rem`` could still form ``parts_left`` connected parts within bounds (never wrongly False;
    exact when one part is left), and whether no larger part can help: True when the ``excluded`` units (which stay
    in the remainder whatever the part grows into) already lie in more components than there are parts left."""
    if rem == 0:
        return False, True
    ok = True
    touching = 0
    rest = rem
    ncomp = 0
    sum_lo = 0
    sum_hi = 0
    cpop = np.empty(pop.shape[1])
    while rest != 0:
        pending = excluded & rest
        seed = (pending & -pending) if pending != 0 else (rest & -rest)
        if pending == 0 and not ok:
            break
        comp, csize = _component(seed, rest, nb, pop, cpop)
        rest &= ~comp
        ncomp += 1
        if pending != 0:
            touching += 1
            if touching > parts_left:
                return False, True
        if not ok:
            continue
        if ncomp > parts_left:
            ok = False
            continue
        for g in range(len(together)):
            inside = together[g] & comp
            if inside != 0 and inside != (together[g] & rem):
                ok = False
        if parts_left == 1:
            if rest != 0 or not _fits(cpop, bounds):
                ok = False
            for g in range(len(apart)):
                if _two_or_more(apart[g] & comp):
                    ok = False
            continue
        lo = 1
        hi = csize
        for m in range(bounds.shape[0]):  # every part must fit every measure's limits
            if bounds[m, UPPER] < np.inf and bounds[m, UPPER] > 0:
                lo = max(lo, int(np.ceil(cpop[m] / bounds[m, UPPER])))
            if bounds[m, LOWER] > 0:
                hi = min(hi, int(np.floor(cpop[m] / bounds[m, LOWER])))
        if lo > hi:
            ok = False
        sum_lo += lo
        sum_hi += hi
    if ok and parts_left > 1:
        ok = sum_lo <= parts_left <= sum_hi
    return ok, False


@njit(cache=True)
def _remainder_ok(rem, parts_left, nb, pop, bounds, together, apart):
    """Whether the units ``rem`` could still form ``parts_left`` connected parts within bounds (see _remainder_check)."""
    return _remainder_check(rem, np.int64(0), parts_left, nb, pop, bounds, together, apart)[0]


@njit(cache=True, inline="always")
def _child_ok(s_child, f_child, spop, bounds, together, apart):
    """Whether a grown part can still lead to a valid part: not over the upper bound, no 'apart' pair inside,
    no 'together' group half inside with a member already excluded."""
    if _too_big(spop, bounds):
        return False
    for g in range(len(apart)):
        if _two_or_more(apart[g] & s_child):
            return False
    excluded = f_child & ~s_child
    for g in range(len(together)):
        if (together[g] & s_child) != 0 and (together[g] & excluded) != 0:
            return False
    return True


@njit(cache=True, inline="always")
def _part_ok(s, spop, bounds, together):
    if not _fits(spop, bounds):
        return False
    for g in range(len(together)):
        inside = together[g] & s
        if inside != 0 and inside != together[g]:
            return False
    return True


@njit(cache=True)
def _grow(buf, count):
    if count < len(buf):
        return buf
    bigger = np.empty(max(16, 2 * len(buf)), dtype=buf.dtype)
    bigger[:count] = buf[:count]
    return bigger


@njit(cache=True)
def workspace(n, m):
    """Scratch stacks for generate_parts: grown set, candidates, excluded-or-inside (int64) and totals per measure."""
    return np.empty((3, n + 1), dtype=np.int64), np.empty((n + 1, m), dtype=np.float64)


@njit(cache=True)
def generate_parts(remaining, parts_left, nb, pop, bounds, together, apart, store, buf, start, budget, work, p_stack):
    """Every valid next part: a connected set holding the lowest unit of ``remaining`` whose population fits and
    whose complement can still make ``parts_left`` parts. Stored in buf[start:] when ``store``.

    Returns (number of parts, buffer (maybe reallocated), nodes visited, status).
    """
    s_stack = work[0]
    c_stack = work[1]
    f_stack = work[2]
    root = trailing_zeros(remaining)
    count = 0
    nodes = 0
    bit = np.int64(1) << root
    if not _child_ok(bit, bit, pop[root], bounds, together, apart):
        return 0, buf, 0, STATUS_DONE
    s_stack[0] = bit
    f_stack[0] = bit
    c_stack[0] = nb[root] & remaining & ~bit
    p_stack[0, :] = pop[root, :]
    t = 0
    entered = True
    while t >= 0:
        if entered:
            entered = False
            nodes += 1
            if nodes > budget:
                return count, buf, nodes, STATUS_BUDGET
            s = s_stack[t]
            ok, dead = _remainder_check(remaining & ~s, f_stack[t] & ~s, parts_left, nb, pop, bounds, together, apart)
            if ok and _part_ok(s, p_stack[t], bounds, together):
                if store:
                    buf = _grow(buf, start + count)
                    buf[start + count] = s
                count += 1
            if dead:
                t -= 1
                continue
        c = c_stack[t]
        if c == 0:
            t -= 1
            continue
        u = trailing_zeros(c)
        ubit = np.int64(1) << u
        c_stack[t] = c & ~ubit
        f_child = f_stack[t] | ubit
        f_stack[t] = f_child
        s_child = s_stack[t] | ubit
        _add_row(p_stack[t + 1], p_stack[t], pop[u])  # scratch until the child is entered
        if not _child_ok(s_child, f_child, p_stack[t + 1], bounds, together, apart):
            continue
        s_stack[t + 1] = s_child
        f_stack[t + 1] = f_child
        c_stack[t + 1] = c_stack[t] | (nb[u] & remaining & ~f_child)
        t += 1
        entered = True
    return count, buf, nodes, STATUS_DONE


@njit(cache=True)
def _emit(out, count, parts, last, k):
    if count == out.shape[0]:
        bigger = np.empty((max(16, 2 * out.shape[0]), k), dtype=np.int64)
        bigger[:count] = out[:count]
        out = bigger
    for p in range(k - 1):
        out[count, p] = parts[p]
    out[count, k - 1] = last
    return out


_MIX = np.int64(-7046029254386353131)  # 0x9E3779B97F4A7C15 (Fibonacci hashing), as a signed 64-bit number
_MEMO_SLOTS, _MEMO_PARTS, _MEMO_KEYS = 0, 1, 2


@njit(cache=True)
def new_memo(capacity=1 << 12):
    """The memo of a search, as arrays: a hash table (remaining units, level) -> slot (open addressing), and per
    slot the first index and number of its next parts in ``parts`` and its completions (−1 until known).

    The same remainder at the same level always has the same next parts and completions, so each is searched
    once (for the bundled wards, 7,424 distinct final remainders serve 132,902 prefixes).
    """
    table_r = np.zeros(capacity, dtype=np.int64)
    table_level = np.full(capacity, -1, dtype=np.int64)
    table_slot = np.zeros(capacity, dtype=np.int64)
    first = np.zeros(capacity, dtype=np.int64)
    size = np.zeros(capacity, dtype=np.int64)
    completions = np.zeros(capacity, dtype=np.int64)
    parts = np.zeros(4 * capacity, dtype=np.int64)
    counts = np.zeros(3, dtype=np.int64)
    return table_r, table_level, table_slot, first, size, completions, parts, counts


@njit(cache=True, inline="always")
def _home(remaining, level, capacity):
    return ((remaining ^ (level * _MIX)) * _MIX >> 20) & (capacity - 1)


@njit(cache=True)
def _find(memo, remaining, level):
    table_r, table_level, table_slot = memo[0], memo[1], memo[2]
    capacity = len(table_r)
    i = _home(remaining, level, capacity)
    while table_level[i] != -1:
        if table_r[i] == remaining and table_level[i] == level:
            return table_slot[i]
        i = (i + 1) & (capacity - 1)
    return -1


@njit(cache=True)
def _put(table_r, table_level, table_slot, remaining, level, slot):
    capacity = len(table_r)
    i = _home(remaining, level, capacity)
    while table_level[i] != -1:
        i = (i + 1) & (capacity - 1)
    table_r[i] = remaining
    table_level[i] = level
    table_slot[i] = slot


@njit(cache=True)
def _add(memo, remaining, level, got, parts_buf, keep, done):
    """Record a new slot with ``got`` next parts (copied from parts_buf when ``keep``); grows arrays as needed."""
    table_r, table_level, table_slot, first, size, completions, parts, counts = memo
    slot = counts[_MEMO_SLOTS]
    if 2 * (counts[_MEMO_KEYS] + 1) > len(table_r):
        capacity = 2 * len(table_r)
        new_r = np.zeros(capacity, dtype=np.int64)
        new_level = np.full(capacity, -1, dtype=np.int64)
        new_slot = np.zeros(capacity, dtype=np.int64)
        for i in range(len(table_r)):
            if table_level[i] != -1:
                _put(new_r, new_level, new_slot, table_r[i], table_level[i], table_slot[i])
        table_r, table_level, table_slot = new_r, new_level, new_slot
    if slot == len(first):
        first = _grow(first, slot)
        size = _grow(size, slot)
        completions = _grow(completions, slot)
    stored = got if keep else 0
    while counts[_MEMO_PARTS] + stored > len(parts):
        parts = _grow(parts, len(parts))
    start = counts[_MEMO_PARTS]
    parts[start:start + stored] = parts_buf[:stored]
    first[slot] = start
    size[slot] = got
    completions[slot] = got if done else -1
    counts[_MEMO_PARTS] += stored
    counts[_MEMO_SLOTS] += 1
    counts[_MEMO_KEYS] += 1
    _put(table_r, table_level, table_slot, remaining, level, slot)
    return slot, (table_r, table_level, table_slot, first, size, completions, parts, counts)


@njit(cache=True)
def _slot(remaining, level, k, nb, pop, bounds, together, apart, memo, keep_last, buf, budget, work, p_stack):
    """The memo slot of ``remaining`` at ``level``, searching its next parts if new. Parts of the last generated level
    are kept only when ``keep_last`` (counting needs just their number).

    Returns (slot, memo, buffer, nodes, status).
    """
    slot = _find(memo, remaining, level)
    if slot >= 0:
        return slot, memo, buf, 0, STATUS_DONE
    final = level == k - 2
    keep = keep_last or not final
    got, buf, nodes, status = generate_parts(remaining, k - 1 - level, nb, pop, bounds, together, apart, keep, buf, 0,
                                             budget, work, p_stack)
    if status != STATUS_DONE:
        return -1, memo, buf, nodes, status
    slot, memo = _add(memo, remaining, level, got, buf, keep, final)
    return slot, memo, buf, nodes, STATUS_DONE


@njit(cache=True, nogil=True)
def complete_partitions(firsts, full, k, nb, pop, bounds, together, apart, store, budget, memo):
    """Every partition whose first part is one of ``firsts`` (valid first parts of ``full``): the count, and with
    ``store`` the partitions as rows of k part masks. ``memo`` (from new_memo) carries over between calls.

    Returns (count, part masks (count, k) or empty, nodes visited, status, memo).
    """
    out = np.empty((16 if store else 0, k), dtype=np.int64)
    count = 0
    nodes = 0
    chosen = np.zeros(k, dtype=np.int64)
    rem = np.zeros(k, dtype=np.int64)
    slot = np.zeros(k, dtype=np.int64)
    pos = np.zeros(k, dtype=np.int64)
    acc = np.zeros(k, dtype=np.int64)
    buf = np.empty(1024, dtype=np.int64)
    work, p_stack = workspace(len(nb), pop.shape[1])
    for f in range(len(firsts)):
        chosen[0] = firsts[f]
        if k == 2:
            if store:
                out = _emit(out, count, chosen, full & ~firsts[f], k)
            count += 1
            continue
        p = 1
        rem[1] = full & ~firsts[f]
        sl, memo, buf, used, status = _slot(rem[1], 1, k, nb, pop, bounds, together, apart, memo, store, buf,
                                            budget - nodes, work, p_stack)
        nodes += used
        if status != STATUS_DONE:
            return count, out[:count], nodes, status, memo
        if not store and memo[5][sl] >= 0:
            count += memo[5][sl]
            continue
        slot[1] = sl
        pos[1] = memo[3][sl]
        acc[1] = 0
        while True:
            sl = slot[p]
            end = memo[3][sl] + memo[4][sl]
            if p == k - 2 and store:  # the last generated level: emit every partition it completes
                for i in range(memo[3][sl], end):
                    chosen[p] = memo[6][i]
                    out = _emit(out, count, chosen, rem[p] & ~memo[6][i], k)
                    count += 1
                pos[p] = end
            if pos[p] < end:
                part = memo[6][pos[p]]
                pos[p] += 1
                chosen[p] = part
                nxt, memo, buf, used, status = _slot(rem[p] & ~part, p + 1, k, nb, pop, bounds, together, apart, memo,
                                                     store, buf, budget - nodes, work, p_stack)
                nodes += used
                if status != STATUS_DONE:
                    return count, out[:count], nodes, status, memo
                if not store and memo[5][nxt] >= 0:
                    acc[p] += memo[5][nxt]
                    continue
                p += 1
                rem[p] = rem[p - 1] & ~part
                slot[p] = nxt
                pos[p] = memo[3][nxt]
                acc[p] = 0
                continue
            if not store:
                memo[5][sl] = acc[p]
            if p == 1:
                if not store:
                    count += acc[1]
                break
            p -= 1
            acc[p] += acc[p + 1]
    return count, out[:count], nodes, STATUS_DONE, memo


@njit(cache=True)
def masks_to_codes(masks, n):
    """Locality index (int8) of each unit for partitions given as rows of part masks."""
    codes = np.empty((masks.shape[0], n), dtype=np.int8)
    for r in range(masks.shape[0]):
        for p in range(masks.shape[1]):
            m = masks[r, p]
            while m != 0:
                codes[r, trailing_zeros(m)] = p
                m &= m - 1
    return codes


@njit(cache=True)
def knuth_estimate(full, k, nb, pop, bounds, together, apart, probes, seed):
    """Knuth's random-probe estimate of the number of partitions: the mean over probes of the product of branching
    factors along a random root-to-leaf path of the search tree (0 for a dead end). Returns (mean, std error)."""
    np.random.seed(seed)
    total = 0.0
    total_sq = 0.0
    grow = np.zeros(len(nb) + 1, dtype=np.int64)  # slot 0 stands for 'close the part' when that is a choice
    spop = np.empty(pop.shape[1])
    trial = np.empty(pop.shape[1])
    for _ in range(probes):
        est = 1.0
        remaining = full
        parts_left = k
        new_part = True
        s = f = c = np.int64(0)
        while est > 0.0:
            if new_part:  # start the next part at the lowest unit left
                new_part = False
                parts_left -= 1
                root = trailing_zeros(remaining)
                s = np.int64(1) << root
                f = s
                c = nb[root] & remaining & ~s
                spop[:] = pop[root, :]
                if not _child_ok(s, f, spop, bounds, together, apart):
                    est = 0.0
                    break
            close = _part_ok(s, spop, bounds, together) and \
                _remainder_ok(remaining & ~s, parts_left, nb, pop, bounds, together, apart)
            choices = 1 if close else 0
            cc = c
            while cc != 0:  # the growth choices that can still lead to a valid part
                u = trailing_zeros(cc)
                ubit = np.int64(1) << u
                _add_row(trial, spop, pop[u])
                if _child_ok(s | ubit, f | (c & (ubit - 1)) | ubit, trial, bounds, together, apart):
                    grow[choices] = u
                    choices += 1
                cc &= cc - 1
            if choices == 0:
                est = 0.0
                break
            est *= choices
            pick = np.random.randint(0, choices)
            if close and pick == 0:
                if parts_left == 1:
                    break
                remaining = remaining & ~s
                new_part = True
                continue
            u = grow[pick]
            ubit = np.int64(1) << u
            earlier = c & (ubit - 1)
            f = f | earlier | ubit
            s = s | ubit
            _add_row(spop, spop, pop[u])
            c = (c & ~(earlier | ubit)) | (nb[u] & remaining & ~f)
        total += est
        total_sq += est * est
    mean = total / probes
    var = max(0.0, total_sq / probes - mean * mean)
    return mean, np.sqrt(var / probes)
