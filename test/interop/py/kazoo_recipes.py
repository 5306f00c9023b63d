"""kazoo's recipes against a ZooKeeper-protocol server (argv[1] = host:port).

Each recipe uses several KazooClient sessions, as separate processes would. Prints one line per
recipe ("ok <name> ..." or "FAIL <name>: why") and exits non-zero if any failed.
"""
import sys
import threading
import time
import traceback

from kazoo.client import KazooClient
from kazoo.recipe.barrier import Barrier
from kazoo.recipe.counter import Counter
from kazoo.recipe.election import Election
from kazoo.recipe.lock import Lock
from kazoo.recipe.party import Party
from kazoo.recipe.queue import LockingQueue

HOSTS = sys.argv[1]
TIMEOUT_S = 20


def client():
    c = KazooClient(hosts=HOSTS, timeout=10)
    c.start(timeout=10)
    return c


def lock_three_contenders():
    clients = [client() for _ in range(3)]
    inside = []
    max_inside = [0]
    acquired = []
    guard = threading.Lock()

    def contend(i):
        lock = Lock(clients[i], "/recipes/lock", identifier="c%d" % i)
        for _ in range(5):
            with lock:
                with guard:
                    inside.append(i)
                    max_inside[0] = max(max_inside[0], len(inside))
                    acquired.append(i)
                time.sleep(0.01)
                with guard:
                    inside.remove(i)

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT_S)
    assert not any(t.is_alive() for t in threads), "a contender never got the lock"
    assert max_inside[0] == 1, "mutual exclusion violated: %d holders at once" % max_inside[0]
    assert sorted(acquired) == sorted([0, 1, 2] * 5), acquired
    contenders = Lock(clients[0], "/recipes/lock").contenders()
    assert contenders == [], contenders
    for c in clients:
        c.stop()
    return "15 acquisitions, never two holders"


def election():
    clients = [client() for _ in range(3)]
    leaders = []
    release = [threading.Event() for _ in range(3)]
    guard = threading.Lock()
    active = [0]
    overlap = [False]

    def lead(i):
        with guard:
            active[0] += 1
            if active[0] > 1:
                overlap[0] = True
            leaders.append(i)
        release[i].wait(TIMEOUT_S)
        with guard:
            active[0] -= 1

    elections = [Election(clients[i], "/recipes/election", identifier="n%d" % i) for i in range(3)]
    threads = [threading.Thread(target=elections[i].run, args=(lead, i)) for i in range(3)]
    for t in threads:
        t.start()
    deadline = time.time() + TIMEOUT_S
    while len(leaders) < 1 and time.time() < deadline:
        time.sleep(0.01)
    first = leaders[0]
    # The first contender leads as soon as its node exists; the others may still be creating theirs.
    while len(set(elections[0].contenders())) < 3 and time.time() < deadline:
        time.sleep(0.01)
    assert len(set(elections[0].contenders())) == 3, elections[0].contenders()
    release[first].set()
    while len(leaders) < 2 and time.time() < deadline:
        time.sleep(0.01)
    second = leaders[1]
    assert second != first
    release[second].set()
    while len(leaders) < 3 and time.time() < deadline:
        time.sleep(0.01)
    for e in release:
        e.set()
    for t in threads:
        t.join(TIMEOUT_S)
    assert sorted(leaders) == [0, 1, 2], leaders
    assert not overlap[0], "two leaders at once"
    for c in clients:
        c.stop()
    return "leaders in turn: %s" % leaders


def locking_queue():
    producer, c1, c2 = client(), client(), client()
    q = LockingQueue(producer, "/recipes/lqueue")
    for i in range(10):
        q.put(("item-%d" % i).encode(), priority=100)
    got = []
    guard = threading.Lock()

    def consume(zk):
        cq = LockingQueue(zk, "/recipes/lqueue")
        while True:
            item = cq.get(timeout=1)
            if item is None:
                return
            with guard:
                got.append(item.decode())
            assert cq.consume()

    threads = [threading.Thread(target=consume, args=(c,)) for c in (c1, c2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT_S)
    assert sorted(got) == sorted("item-%d" % i for i in range(10)), got
    assert len(q) == 0
    for c in (producer, c1, c2):
        c.stop()
    return "10 items consumed exactly once by 2 consumers"


def barrier():
    a, b = client(), client()
    bar = Barrier(a, "/recipes/barrier")
    bar.create()
    passed = []
    t = threading.Thread(target=lambda: passed.append(Barrier(b, "/recipes/barrier").wait(TIMEOUT_S)))
    t.start()
    time.sleep(0.3)
    assert passed == [], "went through a closed barrier"
    bar.remove()
    t.join(TIMEOUT_S)
    assert passed == [True], passed
    a.stop()
    b.stop()
    return "waiter released when the barrier was removed"


def counter():
    clients = [client() for _ in range(3)]

    def bump(zk):
        cnt = Counter(zk, "/recipes/counter")
        for _ in range(20):
            cnt += 1

    threads = [threading.Thread(target=bump, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT_S)
    value = Counter(clients[0], "/recipes/counter").value
    assert value == 60, value
    for c in clients:
        c.stop()
    return "3 x 20 concurrent increments = %d" % value


def party():
    clients = [client() for _ in range(3)]
    parties = [Party(clients[i], "/recipes/party", "member-%d" % i) for i in range(3)]
    for p in parties:
        p.join()
    members = sorted(parties[0])
    assert members == ["member-0", "member-1", "member-2"], members
    assert len(parties[1]) == 3
    parties[1].leave()
    clients[2].stop()  # a member whose session ends leaves too (ephemeral)
    deadline = time.time() + TIMEOUT_S
    while len(parties[0]) != 1 and time.time() < deadline:
        time.sleep(0.05)
    assert sorted(parties[0]) == ["member-0"], sorted(parties[0])
    clients[0].stop()
    clients[1].stop()
    return "3 joined, 1 left, 1 session ended"


RECIPES = [lock_three_contenders, election, locking_queue, barrier, counter, party]

failed = 0
for recipe in RECIPES:
    try:
        print("ok %s: %s" % (recipe.__name__, recipe()), flush=True)
    except Exception:  # noqa: BLE001 - report every recipe
        failed += 1
        print("FAIL %s: %s" % (recipe.__name__, traceback.format_exc().replace("\n", " | ")), flush=True)
sys.exit(1 if failed else 0)
